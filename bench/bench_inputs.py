"""Piped-input benchmark: grouping a long paste into inputs, as ``tutor start < file`` does.

    python bench/bench_inputs.py            # prints figures and PASS/MISS per target
    python bench/bench_inputs.py 20000      # a longer paste

Target (issue 10): a 5,000-line paste is grouped in time linear in its size. The old reader
compiled the growing buffer on every line: 116 s for 5,000 lines of one block in the issue,
467 s for "one function" below on a loaded 2-core machine (0.6 s now). The baseline is compiling
the whole paste once with ``compile()``, the least any reader can do; the target is within 20x
of it (or under 0.1 ms a line where that compile is nearly free, as for a docstring), whatever
the paste's shape, and twice the lines in about twice the time (at most 3x).
"""

from __future__ import annotations

import statistics
import sys
import time

from tutor.inputs import read_inputs


def pastes(count: int) -> dict[str, list[str]]:
    """Shapes a learner pastes: many statements, one long block, a long literal, a long string."""
    return {
        "statements": [f"x{i} = {i}\n" for i in range(count)],
        "one function": ["def f():\n", *(f"    x{i} = {i}\n" for i in range(count)), "\n"],
        "a dict literal": ["d = {\n", *(f"    'k{i}': {i},\n" for i in range(count)), "}\n"],
        "class, blank lines": [
            "class A:\n",
            *(
                line
                for i in range(count // 3)
                for line in (f"    def m{i}(self):\n", f"        return {i}\n", "\n")
            ),
            "\n",
        ],
        "a docstring": ['text = """\n', *(f"line {i}\n" for i in range(count)), '"""\n'],
    }


def timed(function, repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print(f"tutor piped-input benchmark · python {sys.version.split()[0]} · {count:,} lines")
    for name, lines in pastes(count).items():
        source = "".join(lines)
        reading = timed(lambda lines=lines: list(read_inputs(lines)))
        baseline = timed(lambda source=source: compile(source, "<paste>", "exec"))
        doubled = pastes(2 * count)[name]
        growth = timed(lambda doubled=doubled: list(read_inputs(doubled))) / reading
        ok = (reading <= 20 * baseline or reading <= 1e-4 * len(lines)) and growth <= 3
        print(
            f"{name:<20} {reading * 1000:8.1f} ms  ({reading / baseline:5.1f}x one compile, "
            f"2x lines {growth:4.1f}x time)  {'PASS' if ok else 'MISS'}"
        )


if __name__ == "__main__":
    main()
