"""Lessons: the model (``Lesson``, ``Step``) and loading a YAML file into it, with exact errors.

    lesson = load_lesson(Path("lessons/lesson1.yaml"))
    lesson.steps[0].text

A file that is not a valid lesson raises ``LessonError``, whose ``problems`` each name the file,
line and column, e.g. ``lesson1.yaml:12:5: unknown field 'hint' (did you mean 'hints'?)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tutor.safetext import printable
from tutor.yamlsource import Path as YamlPath
from tutor.yamlsource import (
    Position,
    SourceTooLarge,
    YamlSyntaxError,
    load_with_positions,
    read_source,
)

# Seconds one input may run, unless a step says otherwise: long enough for any lesson's
# training on a CPU, short enough that a runaway loop ends without the learner's Ctrl-C.
DEFAULT_TIME_BUDGET = 600.0


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
    line: int = field(default=0, compare=False)  # where the lesson file names it


@dataclass(frozen=True)
class Mistake:
    """A mistake learners make at a step, and words its feedback must contain.

    ``tutor test`` types ``code`` after the step's given code and requires that the step fails
    and that what the tutor shows contains every one of ``says`` (case does not matter).
    """

    code: str
    says: tuple[str, ...]
    line: int = 0  # where it is written in the lesson file


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
    time_budget: float = DEFAULT_TIME_BUDGET
    mistakes: tuple[Mistake, ...] = ()

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
    data, positions, problems = _read_and_validate(path)
    if problems:
        raise LessonError(problems)
    return _build_lesson(data, positions, path)


def validate_file(path: Path) -> list[Problem]:
    """Every problem in one lesson file (empty when it is valid)."""
    return _read_and_validate(path)[2]


def _read_and_validate(path: Path) -> tuple[Any, dict[YamlPath, Position], list[Problem]]:
    name = str(path)
    try:
        text = read_source(path)
    except SourceTooLarge as error:
        return None, {}, [Problem(name, 1, 1, str(error))]
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return None, {}, [Problem(name, 1, 1, f"cannot read the file: {reason}")]
    try:
        data, positions = load_with_positions(text)
    except YamlSyntaxError as error:
        pos = error.position
        return None, {}, [Problem(name, pos.line, pos.column, f"YAML syntax: {error.message}")]
    from tutor.validation import find_problems

    found = find_problems(data, positions)
    problems = [Problem(name, pos.line, pos.column, message) for pos, message in found]
    return data, positions, sorted(problems, key=lambda p: (p.line, p.column))


def _build_lesson(data: dict[str, Any], positions: dict[YamlPath, Position], path: Path) -> Lesson:
    steps = tuple(
        _printable_step(_build_step(raw, ("steps", number), positions))
        for number, raw in enumerate(data["steps"])
    )
    return Lesson(
        id=data["id"],
        title=printable(data["title"]),
        steps=steps,
        description=printable(data.get("description", "")),
        setup=data.get("setup", ""),
        source=path,
    )


def _mistakes(
    raw: dict[str, Any], where: YamlPath, positions: dict[YamlPath, Position]
) -> tuple[Mistake, ...]:
    mistakes = []
    for number, item in enumerate(raw.get("mistakes", [])):
        says = item.get("says", [])
        position = positions.get(where + ("mistakes", number), Position(0, 0))
        mistakes.append(
            Mistake(item["code"], tuple([says] if isinstance(says, str) else says), position.line)
        )
    return tuple(mistakes)


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


def _build_step(
    raw: dict[str, Any], where: YamlPath = (), positions: dict[YamlPath, Position] | None = None
) -> Step:
    from tutor.checks import REGISTRY

    positions = positions or {}
    mistakes = _mistakes(raw, where, positions)
    checks = []
    for number, item in enumerate(raw.get("checks", [])):
        ((name, args),) = item.items()
        line = positions.get(where + ("checks", number), Position(0, 0)).line
        checks.append(CheckCall(name, REGISTRY[name].normalise(args), line))
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
        time_budget=float(raw.get("time_budget", DEFAULT_TIME_BUDGET)),
        mistakes=mistakes,
    )


__all__ = [
    "CheckCall",
    "Lesson",
    "LessonError",
    "Mistake",
    "Option",
    "Position",
    "Problem",
    "Step",
    "load_lesson",
    "validate_file",
]
