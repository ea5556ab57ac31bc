"""Core benchmark: start-up, submission overhead, Ctrl-C latency, learner compute, front memory.

    python bench/bench_core.py            # prints figures and ratios, and PASS/MISS per target

Every figure is measured against a plain-Python baseline taken in the same run, on this machine.
Targets (issue 2): first text within 0.4 s; ready within 1.10x of `python -c "import torch"`;
submission overhead under 5 ms median; Ctrl-C back within 50 ms; learner compute at least 0.97x
plain Python; the front process under 80 MB resident.
"""

from __future__ import annotations

import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPEATS = 7
MLP_SCRIPT = """
import time, torch
torch.manual_seed(0)
torch.set_num_threads({threads})
x = torch.randn(512, 64); y = torch.randint(0, 10, (512,))
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.CrossEntropyLoss()
for _ in range(20):
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
start = time.perf_counter()
for _ in range(300):
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
elapsed = time.perf_counter() - start
"""


def tutor_command() -> list[str]:
    found = shutil.which("tutor")
    return [found] if found else [sys.executable, "-m", "tutor"]


class Session:
    """`tutor start lesson1` as a real subprocess with piped stdin, read line by line."""

    def __init__(self, home: str) -> None:
        env = dict(os.environ, TUTOR_HOME=home, NO_COLOR="1")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [*tutor_command(), "start", "lesson1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            bufsize=1,
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), line))

    def wait_for(self, text: str, timeout: float = 60.0) -> float:
        """Seconds since start until a line containing ``text`` appeared."""
        deadline = time.perf_counter() + timeout
        while True:
            at, line = self.lines.get(timeout=max(deadline - time.perf_counter(), 0.01))
            if text in line:
                return at - self.started

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def resident_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kb / 1024

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def bare_torch_import() -> float:
    """Until `python -c "import torch"` has imported torch (its print), not until it has exited:
    interpreter shutdown after torch takes a few hundred milliseconds that no learner waits for."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", "import torch; print('imported', flush=True)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait()
    return elapsed


def measure_start() -> dict[str, float]:
    first_text, ready, resident, bare = [], [], [], []
    for _ in range(REPEATS):
        bare.append(bare_torch_import())  # interleaved, so both see the same machine load
        with tempfile.TemporaryDirectory() as home:
            session = Session(home)
            first_text.append(session.wait_for("step 1 of"))
            session.send("print('bench-ready-' + 'mark')")
            ready.append(session.wait_for("bench-ready-mark"))
            if Path("/proc").is_dir():
                resident.append(session.resident_mb())
            session.close()
    return {
        "first_text": statistics.median(first_text),
        "ready": statistics.median(ready),
        "bare_import": statistics.median(bare),
        "front_mb": statistics.median(resident) if resident else float("nan"),
    }


def measure_submission() -> dict[str, float]:
    """One lesson-1 submission through the engine (run, checks, SQLite saves) against plain exec."""
    import torch

    from tutor.catalog import find_lesson
    from tutor.engine import Tutor
    from tutor.kernel.client import Kernel
    from tutor.progress import SQLiteStore

    lesson = find_lesson("lesson1")
    step = next(s for s in lesson.steps if any(c.name == "matches_solution" for c in s.checks))
    with tempfile.TemporaryDirectory() as home:
        kernel = Kernel(device="cpu")
        tutor = Tutor(lesson, SQLiteStore(Path(home) / "progress.sqlite3"), kernel)
        tutor.prepare()
        while tutor.session.step is not step:
            tutor.skip()
        tutor.enter_step()
        tutor_times = []
        for _ in range(200):
            started = time.perf_counter()
            submission = tutor.submit(step.solution)
            tutor_times.append(time.perf_counter() - started)
            assert submission.passed, submission
            tutor.back()  # the same step again: judged in full, its record saved each time
        kernel.close()

    namespace: dict[str, object] = {"torch": torch}
    exec(lesson.setup, namespace)
    for earlier in lesson.steps[: lesson.steps.index(step) + 1]:
        if earlier.seed is not None:
            torch.manual_seed(earlier.seed)
        exec(earlier.given, namespace)
        if earlier is not step and not earlier.is_choice:
            exec(earlier.solution, namespace)
    code = compile(step.solution, "<plain>", "exec")
    plain_times = []
    for _ in range(200):
        started = time.perf_counter()
        exec(code, namespace)
        plain_times.append(time.perf_counter() - started)
    return {
        "step": step.id,
        "tutor_ms": statistics.median(tutor_times) * 1000,
        "plain_ms": statistics.median(plain_times) * 1000,
    }


def measure_interrupt() -> float:
    from tutor.kernel.client import Kernel

    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    latencies = []
    for _ in range(REPEATS):
        sent: list[float] = []

        def interrupt(sent: list[float] = sent) -> None:
            sent.append(time.perf_counter())
            kernel.interrupt()

        threading.Timer(0.3, interrupt).start()
        reply = kernel.exec("while True:\n    pass")
        latencies.append(time.perf_counter() - sent[0])
        assert reply["interrupted"]
    kernel.close()
    return statistics.median(latencies) * 1000


def measure_compute(threads: int) -> dict[str, float]:
    from tutor.kernel.client import Kernel

    script = MLP_SCRIPT.format(threads=threads)
    plain = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", script + "\nprint(elapsed)"],
            capture_output=True,
            text=True,
            check=True,
        )
        plain.append(float(out.stdout.strip()))
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    in_worker = []
    for _ in range(5):
        reply = kernel.exec(script + "\nprint(elapsed)")
        in_worker.append(float(reply["output"].strip()))
    kernel.close()
    return {"plain_s": statistics.median(plain), "worker_s": statistics.median(in_worker)}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(label: str, figure: str, target: str, ok: bool) -> None:
    print(f"{label:<38} {figure:<50} target {target:<9} {verdict(ok)}")


def main() -> None:
    print(f"tutor core benchmark · python {sys.version.split()[0]} · {os.cpu_count()} cores")
    start = measure_start()
    ratio = start["ready"] / start["bare_import"]
    report(
        "first step text",
        f"{start['first_text'] * 1000:.0f} ms",
        "< 400 ms",
        start["first_text"] < 0.4,
    )
    ready = (
        f"{start['ready'] * 1000:.0f} ms vs bare import torch {start['bare_import'] * 1000:.0f} ms"
    )
    report("ready to run code", f"{ready} = {ratio:.2f}x", "<= 1.10x", ratio <= 1.10)
    report(
        "front process resident", f"{start['front_mb']:.1f} MB", "< 80 MB", start["front_mb"] < 80
    )
    sub = measure_submission()
    overhead = sub["tutor_ms"] - sub["plain_ms"]
    figure = f"{sub['tutor_ms']:.2f} ms vs plain exec {sub['plain_ms']:.3f} ms"
    report(
        f"submission overhead ({sub['step']})",
        f"{figure} = +{overhead:.2f} ms",
        "< 5 ms",
        overhead < 5,
    )
    interrupt_ms = measure_interrupt()
    report("Ctrl-C back to the prompt", f"{interrupt_ms:.1f} ms", "< 50 ms", interrupt_ms < 50)
    for threads in sorted({1, os.cpu_count() or 1}):
        compute = measure_compute(threads)
        speed = compute["plain_s"] / compute["worker_s"]
        figure = (
            f"plain {compute['plain_s']:.3f} s, worker {compute['worker_s']:.3f} s = {speed:.3f}x"
        )
        report(f"MLP training, {threads} thread(s)", figure, ">= 0.97x", speed >= 0.97)


if __name__ == "__main__":
    main()
