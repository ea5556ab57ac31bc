"""Lesson benchmark: each built-in lesson's `tutor test` time, and its longest step.

    python bench/bench_lessons.py              # every built-in lesson
    python bench/bench_lessons.py lesson3      # one

For each lesson: the wall time of its whole self-test (setup, every step's solution, every
declared mistake), the worker's CPU time for it (from /proc, so load on the machine does not
inflate it), and the step whose solution ran longest, with its wall time. The baseline is
a bare `import torch` in a fresh interpreter, timed in the same run. Data: the bundled subsets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    os.environ["TUTOR_DATA"] = "bundled"
    from tutor.catalog import builtin_paths, find_lesson
    from tutor.kernel.client import Kernel
    from tutor.lessontest import test_lesson

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    bare = time.perf_counter() - started

    names = sys.argv[1:] or [path.stem for path in builtin_paths()]
    kernel = Kernel(device="cpu")
    kernel.wait_ready()
    print(f"tutor lesson benchmark · python {sys.version.split()[0]} · {os.cpu_count()} cores")
    print(f"baseline: bare `import torch` {bare:.2f} s")
    print(f"{'lesson':<10}{'tutor test':>12}{'worker CPU':>12}  longest step (solution wall time)")
    for name in names:
        lesson = find_lesson(name)
        per_step: dict[str, float] = {}
        cpu_before, wall_before = cpu_seconds(kernel.process.pid), time.perf_counter()
        report = test_lesson(lesson, kernel)
        wall = time.perf_counter() - wall_before
        cpu = cpu_seconds(kernel.process.pid) - cpu_before
        for step in report.steps:
            per_step[step.step_id] = step.seconds
        longest = max(per_step, key=lambda k: per_step[k]) if per_step else "-"
        status = "ok" if report.ok else "FAIL"
        seconds = per_step.get(longest, 0.0)
        print(
            f"{lesson.id:<10}{wall:>10.1f} s{cpu:>10.1f} s  {longest} ({seconds:.1f} s wall) "
            f"{status}  = {wall / bare:.1f}x a bare torch import"
        )
        for step in report.steps:
            if not step.ok:
                print(f"    FAIL {step.step_id}: {step.problem}")
    kernel.close()


if __name__ == "__main__":
    main()
