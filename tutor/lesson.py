"""Lessons: the model (``Lesson``, ``Step``) and loading a YAML file into it, with exact errors.

    lesson = load_lesson(Path("lessons/lesson1.yaml"))
    lesson.steps[0].text

A file that is not a valid lesson raises ``LessonError``, whose ``problems`` each name the file,
line and column, e.g. ``lesson1.yaml:12:5: unknown field 'hint' (did you mean 'hints'?)``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tutor.safetext import printable
from tutor.yamlsource import (
    Position,
    SourceTooLarge,
    YamlSyntaxError,
    load_with_positions,
    read_source,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file, at a place in it."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:  # one line, though a key or value may hold escapes or newlines
        return printable(f"{self.file}:{self.line}:{self.column}: {self.message}", lines=False)


class LessonError(Exception):
    """A lesson file could not be loaded; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(str(problems[0]) if problems else "invalid lesson")
        self.problems = problems


@dataclass(frozen=True)
class CheckCall:
    """A check as a step names it: ``name`` in the registry and its keyword arguments."""

    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Option:
    text: str
    why: str = ""


@dataclass(frozen=True)
class Step:
    id: str
    text: str
    kind: str = "code"
    title: str = ""
    given: str = ""
    solution: str = ""
    checks: tuple[CheckCall, ...] = ()
    hints: tuple[str, ...] = ()
    seed: int | None = None
    options: tuple[Option, ...] = ()
    answer: str = ""
    explanation: str = ""

    @property
    def is_choice(self) -> bool:
        return self.kind == "choice"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    steps: tuple[Step, ...]
    description: str = ""
    setup: str = ""
    source: Path | None = field(default=None, compare=False)


def load_lesson(path: Path) -> Lesson:
    """Read, validate and build a lesson; raise ``LessonError`` listing every problem."""
    data, problems = _read_and_validate(path)
    if problems:
        raise LessonError(problems)
    return _build_lesson(data, path)


def validate_file(path: Path) -> list[Problem]:
    """Every problem in one lesson file (empty when it is valid)."""
    return _read_and_validate(path)[1]


def _read_and_validate(path: Path) -> tuple[Any, list[Problem]]:
    name = str(path)
    try:
        text = read_source(path)
    except SourceTooLarge as error:
        return None, [Problem(name, 1, 1, str(error))]
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return None, [Problem(name, 1, 1, f"cannot read the file: {reason}")]
    try:
        data, positions = load_with_positions(text)
    except YamlSyntaxError as error:
        pos = error.position
        return None, [Problem(name, pos.line, pos.column, f"YAML syntax: {error.message}")]
    from tutor.validation import find_problems

    found = find_problems(data, positions)
    problems = [Problem(name, pos.line, pos.column, message) for pos, message in found]
    return data, sorted(problems, key=lambda p: (p.line, p.column))


def _build_lesson(data: dict[str, Any], path: Path) -> Lesson:
    steps = tuple(_printable_step(_build_step(raw)) for raw in data["steps"])
    return Lesson(
        id=data["id"],
        title=printable(data["title"]),
        steps=steps,
        description=printable(data.get("description", "")),
        setup=data.get("setup", ""),
        source=path,
    )


def _printable_step(step: Step) -> Step:
    """The step with its prose printable: escape sequences from the file are shown, never sent
    to the terminal. Code is kept as written, since it runs; it is escaped where it is shown."""
    return replace(
        step,
        text=printable(step.text),
        title=printable(step.title),
        hints=tuple(printable(hint) for hint in step.hints),
        options=tuple(Option(printable(o.text), printable(o.why)) for o in step.options),
        answer=printable(step.answer),
        explanation=printable(step.explanation),
    )


def _build_step(raw: dict[str, Any]) -> Step:
    checks = []
    for item in raw.get("checks", []):
        ((name, args),) = item.items()
        from tutor.checks import REGISTRY

        checks.append(CheckCall(name, REGISTRY[name].normalise(args)))
    options = tuple(
        Option(o) if isinstance(o, str) else Option(o["text"], o.get("why", ""))
        for o in raw.get("options", [])
    )
    return Step(
        id=raw["id"],
        text=raw["text"],
        kind=raw.get("kind", "code"),
        title=raw.get("title", ""),
        given=raw.get("given", ""),
        solution=raw.get("solution", ""),
        checks=tuple(checks),
        hints=tuple(raw.get("hints", [])),
        seed=raw.get("seed"),
        options=options,
        answer=raw.get("answer", ""),
        explanation=raw.get("explanation", ""),
    )


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'hints'?)`` when a close choice exists, else an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


__all__ = [
    "CheckCall",
    "Lesson",
    "LessonError",
    "Option",
    "Position",
    "Problem",
    "Step",
    "did_you_mean",
    "load_lesson",
    "validate_file",
]
