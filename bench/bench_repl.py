"""REPL benchmark: completion latency, keystroke-to-redraw, and the front's cost while code runs.

    python bench/bench_repl.py            # prints figures and PASS/MISS per target

Targets (issue 3): completing ``torch.ra`` over the lesson-1 namespace within 20 ms median and
40 ms p95 (a Jupyter kernel takes 36 ms here); typing never waits (a keystroke redrawn within
one 60 Hz frame, 16 ms, median); and nothing in the front slows the learner's torch code (with
the spinner drawing, compute stays within 0.97x of no spinner at all).

Completion is measured through ``TutorCompleter`` (front -> worker -> jedi -> front), against
jedi run in-process on the same objects. Keystrokes and a long run are measured on the real
``tutor`` binary in a pseudo-terminal, as a learner's terminal would see them; the spinner's
cost is measured on one worker, with and without it, on a real pseudo-terminal device.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect

SAMPLES = 200
TYPED = "y = activation(torch.sum(features * weights) + bias)"
SHOW_CURSOR = b"\x1b[?25h"  # prompt-toolkit ends every redraw by showing the cursor again
CURSOR_QUERY = b"\x1b[6n"
COMPUTE = (
    "import time; a = torch.randn(384, 384); t0 = time.perf_counter(); "
    "[torch.tanh(a @ a) for _ in range({n})]; "
    "print('took', round(time.perf_counter() - t0, 3))"
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


# -- completion ------------------------------------------------------------------------------


def lesson1_tutor(home: str):  # type: ignore[no-untyped-def]
    """lesson1 with every step's solution run: the namespace a learner has at its end."""
    from tutor.catalog import find_lesson
    from tutor.engine import Tutor
    from tutor.kernel.client import Kernel
    from tutor.progress import SQLiteStore

    store = SQLiteStore(Path(home) / "progress.sqlite3")
    tutor = Tutor(find_lesson("lesson1"), store, Kernel(device="cpu"))
    tutor.prepare()
    tutor.enter_step()
    while not tutor.session.finished:
        tutor.skip()
        if not tutor.session.finished:
            tutor.enter_step()
    return tutor


def measure_completion() -> dict[str, dict[str, float]]:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from tutor.repl import WARM_UP
    from tutor.repl.completer import TutorCompleter

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as home:
        tutor = lesson1_tutor(home)
        completer = TutorCompleter(tutor)

        def complete(source: str) -> float:
            started = time.perf_counter()
            found = list(completer.get_completions(Document(source), CompleteEvent()))
            elapsed = (time.perf_counter() - started) * 1000
            assert found, source
            return elapsed

        first = complete("torch.ra")
        for source in WARM_UP:  # as the REPL does while the learner reads the first step
            complete(source)
        for source in ("torch.ra", "features.", "W1.sh", "acti"):
            times = [complete(source) for _ in range(SAMPLES)]
            results[source] = {
                "median": statistics.median(times),
                "p95": percentile(times, 0.95),
                "max": max(times),
            }
        results["torch.ra"]["first"] = first
        tutor.close()
    results["in-process jedi"] = in_process_jedi()
    return results


def in_process_jedi() -> dict[str, float]:
    """The same completion with jedi in this process: the floor the worker round trip adds to."""
    import gc

    import torch

    from tutor.kernel.introspect import completions

    namespace = {"torch": torch, "features": torch.randn(1, 5)}
    completions("torch.ra", namespace)
    gc.collect()
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        completions("torch.ra", namespace)
        times.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(times), "p95": percentile(times, 0.95), "max": max(times)}


# -- the real binary in a pseudo-terminal ----------------------------------------------------


class Terminal:
    """`tutor start lesson1` in a 100x40 pseudo-terminal, read as raw bytes."""

    def __init__(self, home: str, *args: str) -> None:
        command = shutil.which("tutor")
        argv = [*args] if command else ["-m", "tutor", *args]
        env = dict(os.environ, TUTOR_HOME=home, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(command or sys.executable, argv, env=env, dimensions=(40, 100))
        self.child.delaybeforesend = None  # pexpect waits 50 ms before each send by default
        self.buffer = b""

    def read_until(self, marker: bytes, timeout: float = 120.0) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{marker!r} never came: {self.buffer[-500:]!r}")
            try:
                chunk = self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            if CURSOR_QUERY in chunk:
                self.child.send("\x1b[40;1R")  # answer as a terminal would: bottom row
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head + marker

    def drain(self, quiet: float = 0.02) -> None:
        """Read and drop output until the terminal has been quiet for ``quiet`` seconds."""
        self.buffer = b""
        while True:
            try:
                chunk = self.child.read_nonblocking(65536, timeout=quiet)
            except pexpect.TIMEOUT:
                return
            if CURSOR_QUERY in chunk:
                self.child.send("\x1b[40;1R")

    def run(self, code: str) -> tuple[float, bytes]:
        """Type one line of code that prints ``took S``; return S and what the screen showed."""
        self.child.send(code + "\r")
        shown = self.read_until(b"took ")
        shown += self.read_until(b"\n")
        took = float(shown.rsplit(b"took ", 1)[1].strip())
        self.read_until(b"F1 hint")  # the prompt is back
        return took, shown

    def cpu_seconds(self) -> float:
        """User + system CPU time the front process has used."""
        fields = Path(f"/proc/{self.child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.child.sendcontrol("d")
        self.child.expect(pexpect.EOF, timeout=30)
        self.child.close()


def at_step_three(home: str) -> Terminal:
    """A REPL at lesson 1's third step (`features`, `weights`, `bias` and `activation` exist)."""
    term = Terminal(home, "start", "lesson1")
    term.read_until(b"F1 hint")
    term.child.send("3\r")
    term.read_until(b"step 2 of 12")
    term.read_until(b"F1 hint")
    term.child.send("def activation(x):\rreturn 1 / (1 + torch.exp(-x))\r\r")
    term.read_until(b"step 3 of 12")
    term.read_until(b"F1 hint")
    return term


def measure_keystrokes() -> dict[str, float]:
    """Send one character at a time; time until the redraw it causes has been written."""
    with tempfile.TemporaryDirectory() as home:
        term = at_step_three(home)
        term.read_until(SHOW_CURSOR)
        latencies = []
        cpu_before = term.cpu_seconds()
        for _ in range(3):
            for char in TYPED:
                term.drain()  # nothing left over from the last redraw: time this key alone
                started = time.perf_counter()
                term.child.send(char)
                term.read_until(SHOW_CURSOR)
                latencies.append((time.perf_counter() - started) * 1000)
            term.child.sendcontrol("c")  # drop the line; type it again
            term.read_until(b"F1 hint")  # the next prompt is up (keys sent before it are lost)
            term.read_until(SHOW_CURSOR)
        cpu_ms = (term.cpu_seconds() - cpu_before) * 1000 / len(latencies)
        term.close()
    return {
        "median": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "cpu_ms": cpu_ms,
        "keys": len(latencies),
    }


def measure_long_run() -> dict[str, float]:
    """A ~2 s torch run at the real REPL: the front's CPU while it waits, spinner included."""
    with tempfile.TemporaryDirectory() as home:
        term = at_step_three(home)
        term.run(COMPUTE.format(n=20))  # torch's threads and memory warm up
        took = term.run(COMPUTE.format(n=100))[0]
        n = max(100, int(100 * 2.0 / max(took, 1e-3)))  # about two seconds of compute
        runs, front_cpu, frames = [], [], []
        for _ in range(3):
            cpu_before = term.cpu_seconds()
            took, shown = term.run(COMPUTE.format(n=n))
            runs.append(took)
            front_cpu.append((term.cpu_seconds() - cpu_before) * 1000)
            frames.append(shown.count("· Ctrl-C stops".encode()))
        term.close()
    return {
        "run_s": statistics.median(runs),
        "front_cpu_ms": statistics.median(front_cpu),
        "frames": statistics.median(frames),
    }


def measure_spinner_cost(rounds: int = 5) -> dict[str, float]:
    """The same worker computing with no spinner, the calm one (4/s), and a busy one (1000/s),
    interleaved; the fastest of each is compared, since other load on the machine only adds."""
    import threading

    from tutor.kernel.client import Kernel
    from tutor.repl.spinner import Spinner

    master, slave = os.openpty()  # a real terminal device for the spinner to draw on

    def drain() -> None:
        while True:
            try:
                os.read(master, 65536)
            except OSError:
                return

    threading.Thread(target=drain, daemon=True).start()
    terminal = os.fdopen(slave, "w", encoding="utf-8")
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    code = "import torch\n" + COMPUTE.replace("; ", "\n").format(n=20)
    kernel.exec(code)
    took = float(kernel.exec(code)["output"].split()[-1])
    n = max(20, int(20 * 1.5 / max(took, 1e-3)))  # about 1.5 s of compute
    code = "import torch\n" + COMPUTE.replace("; ", "\n").format(n=n)
    times: dict[str, list[float]] = {"none": [], "calm": [], "busy": []}
    for _ in range(rounds):
        for mode, interval in (("none", 0.0), ("calm", 0.25), ("busy", 0.001)):
            if mode == "none":
                reply = kernel.exec(code)
            else:
                with Spinner(terminal, delay=0.0, interval=interval):
                    reply = kernel.exec(code)
            times[mode].append(float(reply["output"].split()[-1]))
    kernel.close()
    terminal.close()
    os.close(master)
    return {mode: min(values) for mode, values in times.items()}


# -- report ----------------------------------------------------------------------------------


def report(label: str, figure: str, target: str, ok: bool) -> None:
    print(f"{label:<34} {figure:<58} target {target:<10} {'PASS' if ok else 'MISS'}")


def main() -> None:
    print(f"tutor REPL benchmark · python {sys.version.split()[0]} · {os.cpu_count()} cores")
    completion = measure_completion()
    ra = completion["torch.ra"]
    report("complete `torch.ra` (median)", f"{ra['median']:.1f} ms", "< 20 ms", ra["median"] < 20)
    report("complete `torch.ra` (p95)", f"{ra['p95']:.1f} ms", "< 40 ms", ra["p95"] < 40)
    print(f"  first `torch.ra` before warm-up: {ra['first']:.0f} ms")
    for source, figures in completion.items():
        print(
            f"  {source:<18} median {figures['median']:5.1f} ms  p95 {figures['p95']:5.1f} ms"
            f"  max {figures['max']:6.1f} ms"
        )
    keys = measure_keystrokes()
    report(
        "keystroke to redraw (median)",
        f"{keys['median']:.1f} ms (p95 {keys['p95']:.1f} ms, {keys['keys']} keys)",
        "< 16 ms",
        keys["median"] < 16,
    )
    print(f"  front CPU per keystroke: {keys['cpu_ms']:.1f} ms")
    run = measure_long_run()
    print(
        f"  front CPU during a {run['run_s']:.1f} s run at the REPL: {run['front_cpu_ms']:.0f} ms"
        f" ({run['frames']:.0f} spinner frames drawn)"
    )
    cost = measure_spinner_cost()
    calm, busy = cost["none"] / cost["calm"], cost["none"] / cost["busy"]
    report(
        "compute, calm spinner vs none",
        f"{cost['calm']:.3f} s vs {cost['none']:.3f} s = {calm:.3f}x",
        ">= 0.97x",
        calm >= 0.97,
    )
    print(f"  for contrast, a spinner drawing 1000 times a second: {busy:.3f}x")


if __name__ == "__main__":
    main()
