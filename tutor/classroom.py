"""Where a class stands, as plain data: `tutor class report` (its table and its ``--json``).

    outlines = {"lesson1": Outline("Tensors", ["sigmoid", "neuron", ...])}
    report = class_report(store.dump(), outlines, inactive_days=7)
    report["lessons"][0]["steps"][0]["stuck_on"]   # the check messages most often shown

Per lesson and step: how many learners finished it, skipped it, are on it now; the median
attempts (of those who tried), hints (of those who reached it) and minutes on task; the failing
check messages shown most. Then the learners with nothing saved for ``inactive_days``.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from tutor.progress.rows import by_step, combine
from tutor.progress.store import LessonPlace, Rows, ShownRow, StepRow
from tutor.session import DONE, SKIPPED, StepRecord

TOP_MESSAGES = 3
DAY = 86400.0


@dataclass(frozen=True)
class Outline:
    """A lesson's title and step ids in order (from its file; else as learners met them)."""

    title: str
    steps: list[str]


@dataclass
class Learned:
    """One learner's combined record of one step, with the minutes and last save it took."""

    record: StepRecord
    seconds: float
    updated: float


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def class_report(
    rows: Rows,
    outlines: dict[str, Outline],
    lesson: str | None = None,
    inactive_days: float = 7.0,
    now: float | None = None,
) -> dict[str, Any]:
    """The report for every lesson in ``rows`` (or ``lesson`` alone), as JSON-ready data."""
    now = time.time() if now is None else now
    learned = _learned(rows.steps)
    places = {(p.learner, p.lesson): p for p in rows.places}
    shown: dict[tuple[str, str], list[ShownRow]] = defaultdict(list)
    for row in rows.shown:
        shown[(row.lesson, row.step)].append(row)
    lessons = sorted({lesson_id for _, lesson_id in learned} | {p.lesson for p in rows.places})
    if lesson is not None:
        lessons = [lesson]
    return {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now)),
        "learners": len(rows.learners()),
        "lessons": [
            _lesson(name, _outline(name, outlines.get(name), learned), learned, places, shown)
            for name in lessons
        ],
        "inactive_days": inactive_days,
        "inactive": _inactive(rows, inactive_days, now),
    }


def _learned(steps: list[StepRow]) -> dict[tuple[str, str], dict[str, Learned]]:
    """(learner, lesson) -> step -> that learner's combined record of it."""
    found: dict[tuple[str, str], dict[str, Learned]] = defaultdict(dict)
    for (learner, lesson, step), rows in by_step(steps).items():
        seconds = sum(r.seconds for r in rows)
        found[(learner, lesson)][step] = Learned(
            combine(rows), seconds, max(r.updated for r in rows)
        )
    return found


def _outline(
    lesson: str, known: Outline | None, learned: dict[tuple[str, str], dict[str, Learned]]
) -> Outline:
    """The lesson file's steps, then any others learners saved (a step since renamed, a lesson
    without a file here) in the order they were first saved."""
    first: dict[str, float] = {}
    for (_, name), steps in learned.items():
        if name == lesson:
            for step, record in steps.items():
                first[step] = min(first.get(step, record.updated), record.updated)
    listed = known.steps if known else []
    others = sorted((s for s in first if s not in listed), key=first.__getitem__)
    return Outline(known.title if known else lesson, [*listed, *others])


def _lesson(
    lesson: str,
    outline: Outline,
    learned: dict[tuple[str, str], dict[str, Learned]],
    places: dict[tuple[str, str], LessonPlace],
    shown: dict[tuple[str, str], list[ShownRow]],
) -> dict[str, Any]:
    mine = {learner: steps for (learner, name), steps in learned.items() if name == lesson}
    learners = set(mine) | {learner for learner, name in places if name == lesson}
    completed = [
        learner for learner, steps in mine.items()
        if all(s in steps and steps[s].record.finished for s in outline.steps)
    ]  # fmt: skip
    minutes = [sum(s.seconds for s in steps.values()) / 60 for steps in mine.values()]
    return {
        "lesson": lesson,
        "title": outline.title,
        "learners": len(learners),
        "completed": len(completed),
        "median_minutes": _median(minutes),
        "steps": [
            _step(lesson, step, mine, places, shown.get((lesson, step), []))
            for step in outline.steps
        ],
    }


def _step(
    lesson: str,
    step: str,
    mine: dict[str, dict[str, Learned]],
    places: dict[tuple[str, str], LessonPlace],
    shown: list[ShownRow],
) -> dict[str, Any]:
    reached = [steps[step] for steps in mine.values() if step in steps]
    statuses = Counter(s.record.status for s in reached)
    on_it = [
        learner for (learner, name), place in places.items()
        if name == lesson and place.position == step
        and not (step in mine.get(learner, {}) and mine[learner][step].record.finished)
    ]  # fmt: skip
    return {
        "id": step,
        "finished": statuses[DONE],
        "skipped": statuses[SKIPPED],
        "on_it": len(on_it),
        "median_attempts": _median([s.record.attempts for s in reached if s.record.attempts]),
        "median_hints": _median([s.record.hints_used for s in reached]),
        "median_minutes": _median([s.seconds / 60 for s in reached if s.seconds]),
        "stuck_on": _most_shown(shown),
    }


def _most_shown(shown: list[ShownRow]) -> list[dict[str, Any]]:
    """The messages shown most often, with how many learners saw each."""
    times: Counter[str] = Counter()
    learners: dict[str, set[str]] = defaultdict(set)
    for row in shown:
        times[row.message] += row.count
        learners[row.message].add(row.learner)
    return [
        {"message": message, "shown": count, "learners": len(learners[message])}
        for message, count in times.most_common(TOP_MESSAGES)
    ]


def _inactive(rows: Rows, days: float, now: float) -> list[dict[str, Any]]:
    """Learners whose last save is older than ``days``, the longest idle first."""
    last: dict[str, float] = {}
    where: dict[str, LessonPlace] = {}
    for row in rows.steps:
        last[row.learner] = max(last.get(row.learner, 0.0), row.updated)
    for place in rows.places:
        last[place.learner] = max(last.get(place.learner, 0.0), place.updated)
        if place.learner not in where or place.updated > where[place.learner].updated:
            where[place.learner] = place
    idle = [(learner, at) for learner, at in last.items() if now - at > days * DAY]
    return [
        {
            "learner": learner,
            "last_active": time.strftime("%Y-%m-%d", time.localtime(at)),
            "days": int((now - at) // DAY),
            "lesson": where[learner].lesson if learner in where else None,
            "position": (where[learner].position or None) if learner in where else None,
        }
        for learner, at in sorted(idle, key=lambda item: item[1])
    ]
