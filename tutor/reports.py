"""Progress as plain data (``tutor progress --json``) and the end-of-lesson summary."""

from __future__ import annotations

from typing import Any

from tutor.catalog import next_lesson_id
from tutor.engine import Tutor
from tutor.lesson import Lesson
from tutor.progress import ProgressStore
from tutor.session import DONE, PENDING, SKIPPED, StepRecord


def progress_report(lessons: list[Lesson], store: ProgressStore) -> list[dict[str, Any]]:
    """Per lesson, each step's id, kind, status (done, skipped, pending), attempts, hints used."""
    report = []
    for lesson in lessons:
        records = store.load(lesson.id)
        place = store.place(lesson.id)
        steps = []
        for step in lesson.steps:
            record = records.get(step.id, StepRecord())
            steps.append(
                {
                    "id": step.id,
                    "kind": step.kind,
                    "status": record.status or PENDING,
                    "attempts": record.attempts,
                    "hints_used": record.hints_used,
                    "solution_shown": record.solution_shown,
                }
            )
        report.append(
            {
                "lesson": lesson.id,
                "title": lesson.title,
                "position": place.position or None if place else None,  # None: not on a step
                "steps": steps,
            }
        )
    return report


def end_of_lesson(tutor: Tutor) -> str:
    """What to say at the end of a lesson: how it went, and where to go next."""
    session = tutor.session
    done, skipped = session.count(DONE), session.count(SKIPPED)
    summary = f"End of {tutor.lesson.title}: {done} of {len(session.records)} steps done"
    if skipped:
        summary += f", {skipped} skipped"
    following = next_lesson_id(tutor.lesson.id)
    if following:
        summary += f". Next: `tutor start {following}`"
    return summary + "."
