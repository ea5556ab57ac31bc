"""Loader fuzz: the built-in lessons, mutated, either load or fail with file:line problems.

Each example takes a built-in lesson and breaks it: its text (lines deleted, duplicated,
re-indented, cut short; YAML syntax, anchors, tags, escapes and markup inserted), its structure
(fields deleted, renamed or given values of the wrong kind, steps duplicated) or its code's size
(3,000-term sums, deep brackets, long lines). Loading must end, quickly, in a ``Lesson`` or a
``LessonError`` whose every problem names the file and a line in it, on one line: never another
exception (a traceback for the user) and never a hang. A lesson that loads is drawn (a step).

In CI a few hundred examples run (under 30 s). For an occasional longer run:

    TUTOR_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz_lessons.py -p no:cacheprovider
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tutor.catalog import builtin_paths
from tutor.lesson import Lesson, LessonError, load_lesson
from tutor.render import Screen, make_console

EXAMPLES = int(os.environ.get("TUTOR_FUZZ_EXAMPLES", "300"))
SECONDS_PER_LESSON = 10  # a hang, not a slow machine: the built-in lessons load in 0.05 s

BUILTIN = [path.read_text(encoding="utf-8") for path in builtin_paths()]
PARSED = [yaml.load(text, Loader=yaml.CSafeLoader) for text in BUILTIN]  # libyaml: 10x faster


def dump(data: Any) -> str:
    return yaml.dump(
        data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=10**9
    )


# Pieces that mean something to YAML, to rich, to a terminal or to Python.
TOKENS = [
    "&a ",
    "*a",
    "*missing",
    "<<: *a",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ":",
    "- ",
    "? ",
    "|",
    ">",
    "|-",
    ">+2",
    '"',
    "'",
    "\t",
    "#",
    "!!python/object/apply:os.system ['true']",
    "!!binary ",
    "!custom ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "~",
    "null",
    "1e999",
    "0x1F",
    ".nan",
    "yes",
    "[/]",
    "[bold]",
    "[/bold]",
    "x[mask]",
    r"\e[2J",
    "\\",
    "\\u202e",
    "\u202e",
    "\x1b[31m",
    "\x00",
    "\ufeff",
    "\x85",
    "\r",
    "\r\n",
    "😀",
    "$\\frac{1}{2}$",
    "`",
    "```",
    "    ",
]
FIELDS = [
    "id",
    "title",
    "text",
    "kind",
    "given",
    "solution",
    "checks",
    "hints",
    "seed",
    "options",
    "answer",
    "explanation",
    "setup",
    "description",
    "steps",
    "why",
    "name",
    "expr",
    "shape",
]


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True),
        st.text(max_size=40),
        st.sampled_from(TOKENS),
    )


def values() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=12,
    )


@st.composite
def text_mutations(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(BUILTIN)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(lines)))
        action = draw(
            st.sampled_from(["delete", "duplicate", "insert", "splice", "indent", "cut", "swap"])
        )
        if action == "delete" and at < len(lines):
            del lines[at]
        elif action == "duplicate" and at < len(lines):
            lines[at:at] = lines[at : at + draw(st.integers(1, 30))]
        elif action == "insert":
            piece = draw(st.sampled_from(TOKENS) | st.text(max_size=30))
            lines.insert(at, " " * draw(st.integers(0, 12)) + piece + "\n")
        elif action == "splice" and at < len(lines):
            line = lines[at]
            column = draw(st.integers(0, len(line)))
            piece = draw(st.sampled_from(TOKENS) | st.text(max_size=10))
            lines[at] = line[:column] + piece + line[column + draw(st.integers(0, 3)) :]
        elif action == "indent" and at < len(lines):
            lines[at] = " " * draw(st.integers(1, 5)) + lines[at]
        elif action == "cut":
            lines = lines[:at]
        elif action == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
    return "".join(lines)


@st.composite
def structure_mutations(draw: st.DrawFn) -> str:
    data = copy.deepcopy(draw(st.sampled_from(PARSED)))
    for _ in range(draw(st.integers(1, 4))):
        parent, key = _somewhere(draw, data)
        action = draw(st.sampled_from(["replace", "delete", "rename", "add", "duplicate"]))
        if action == "replace":
            parent[key] = draw(values())
        elif action == "delete" and len(parent) > 0:
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELDS) | st.text(max_size=8))] = parent.pop(key)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELDS))] = draw(values())
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, parent[key])
    return dump(data)


def _somewhere(draw: st.DrawFn, data: Any) -> tuple[Any, Any]:
    """A (container, key) inside ``data``, reached by a random walk from the top."""
    parent: Any = data
    key: Any = draw(st.sampled_from(list(data)))
    while isinstance(parent[key], (dict, list)) and parent[key] and draw(st.booleans()):
        parent = parent[key]
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        key = draw(st.sampled_from(keys))
    return parent, key


@st.composite
def code_mutations(draw: st.DrawFn) -> str:
    data = copy.deepcopy(draw(st.sampled_from(PARSED)))
    size = draw(st.sampled_from([1, 10, 200, 1_000, 3_000, 5_000]))
    code = draw(
        st.sampled_from(
            [
                "x = " + "+".join(["1"] * size),
                "x = " + "(" * size + "1" + ")" * size,
                "x = " + "[" * size + "]" * size,
                "x = '" + "a" * size * 10 + "'",
                "".join("    " * depth + "if x:\n" for depth in range(min(size, 300)))
                + "    " * min(size, 300)
                + "pass",
                "\n".join(f"v{i} = {i}" for i in range(size)),
                "x = " + "not " * size + "1",
                "lambda: " * size + "1",
            ]
        )
    )
    steps = [step for step in data["steps"] if isinstance(step, dict)]
    step = draw(st.sampled_from(steps))
    target = draw(st.sampled_from(["solution", "given", "setup", "check"]))
    if target == "setup":
        data["setup"] = code
    elif target == "check":
        step["checks"] = [{"expression": {"expr": code.removeprefix("x = "), "message": "m"}}]
    else:
        step[target] = code
    return dump(data)


@contextlib.contextmanager
def no_hang(seconds: float) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise TimeoutError(f"loading the lesson took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def loads_or_names_its_problems(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        line_count = len(path.read_bytes().splitlines()) + 1
        with no_hang(SECONDS_PER_LESSON):
            try:
                lesson = load_lesson(path)
            except LessonError as error:
                event("refused with problems")  # --hypothesis-show-statistics counts them
                assert error.problems
                for problem in error.problems:
                    shown = str(problem)
                    assert shown.startswith(f"{path}:{problem.line}:{problem.column}: ")
                    assert 1 <= problem.line <= line_count and problem.column >= 1, shown
                    assert "\n" not in shown and "\x1b" not in shown, shown
                return
            event("loaded and drawn")
            draw_lesson(lesson, len(text))


def draw_lesson(lesson: Lesson, choice: int) -> None:
    """A lesson that loads can be shown: its banner and one step, picked by ``choice`` (all of
    them would take most of the run), with no markup error and no escape sequence sent."""
    out = io.StringIO()
    screen = Screen(make_console(True, width=80, file=out), plain=True)
    screen.lesson_banner(lesson, "cpu", None)
    index = choice % len(lesson.steps)
    step = lesson.steps[index]
    screen.step(lesson, index)
    screen.given(step)
    for number, hint in enumerate(step.hints, start=1):
        screen.hint(hint, number, len(step.hints))
    assert "\x1b" not in out.getvalue()


FUZZ = settings(
    max_examples=EXAMPLES // 3,
    deadline=None,  # timing is no_hang's job; a loaded CI machine must not fail on it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@FUZZ
@given(text_mutations())
def test_lessons_with_broken_text_load_or_name_their_problems(text: str) -> None:
    loads_or_names_its_problems(text)


@FUZZ
@given(structure_mutations())
def test_lessons_with_broken_structure_load_or_name_their_problems(text: str) -> None:
    loads_or_names_its_problems(text)


@FUZZ
@given(code_mutations())
def test_lessons_with_huge_code_load_or_name_their_problems(text: str) -> None:
    loads_or_names_its_problems(text)


def test_the_builtin_lessons_themselves_load_and_draw() -> None:
    for number, path in enumerate(builtin_paths()):
        draw_lesson(load_lesson(path), number)
