"""Progress as plain data, for ``tutor progress --json`` and the lesson list."""

from __future__ import annotations

from typing import Any

from tutor.lesson import Lesson
from tutor.progress import ProgressStore
from tutor.session import PENDING, StepRecord


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
