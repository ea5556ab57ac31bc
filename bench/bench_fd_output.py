"""Output benchmark: what learner code prints, through the worker's capture, against plain Python.

    python bench/bench_fd_output.py          # prints figures, ratios and PASS/MISS per target

Each case runs the same code in the worker (output streamed to this process, cut at 20,000
characters) and in a plain ``python -c`` whose stdout is a pipe this process reads, the least a
program that shows its output can do. Cases: ``print`` in a loop (Python-level capture, each line
first drains fd 1 and 2 so it follows what was written there); ``os.write`` (fd 1, read by the
worker's pipe thread); a subprocess flooding fd 1. Target (issue 10): printing through the
capture costs at most 3x plain Python's print to a pipe, and fd output is caught at the pipe's
speed (within 3x too), however much is written.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from tutor.kernel.client import Kernel

REPEATS = 5
CASES = {
    "print 200,000 lines": "for i in range(200_000):\n    print('line', i)",
    "print 2,000 lines, all shown": "for i in range(2_000):\n    print('line', i)",
    "os.write 200,000 lines": (
        "import os\nfor i in range(200_000):\n    _ = os.write(1, b'line %d\\n' % i)"
    ),
    "a subprocess writing 50 MB": (
        "import subprocess\n_ = subprocess.run(['head', '-c', '50000000', '/dev/zero'])"
    ),
}
TARGET_RATIO = 3.0


def in_worker(kernel: Kernel, code: str) -> float:
    started = time.perf_counter()
    reply = kernel.exec(code, on_output=lambda _stream, _text: None)
    elapsed = time.perf_counter() - started
    assert reply["ok"], reply
    return elapsed


def in_plain_python(code: str) -> float:
    """The loop's own time in ``python -c``, stdout a pipe read to the end by this process."""
    script = f"import sys, time\nt = time.perf_counter()\n{code}\nsys.stdout.flush()\n" + (
        "print(time.perf_counter() - t, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    return float(done.stderr.decode().strip().splitlines()[-1])


def main() -> None:
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    in_worker(kernel, "print('warm')")
    overhead = statistics.median(in_worker(kernel, "pass") for _ in range(20))
    print(f"an empty input, round trip: {overhead * 1e3:.2f} ms (taken off each figure)")
    misses = 0
    try:
        for name, code in CASES.items():
            ours = statistics.median(in_worker(kernel, code) for _ in range(REPEATS)) - overhead
            plain = statistics.median(in_plain_python(code) for _ in range(REPEATS))
            ratio = ours / plain if plain > 0 else float("inf")
            verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
            misses += verdict == "MISS"
            print(
                f"{name:32} worker {ours * 1e3:8.1f} ms   plain {plain * 1e3:8.1f} ms   "
                f"{ratio:5.2f}x  {verdict} (target <= {TARGET_RATIO:g}x)"
            )
    finally:
        kernel.close()
    sys.exit(1 if misses else 0)


if __name__ == "__main__":
    main()
