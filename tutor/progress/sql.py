"""The SQL both backends share: the merging upserts and the reads, in either dialect.

    Dialect("?", "max", "min")          # SQLite
    Dialect("%s", "GREATEST", "LEAST")  # PostgreSQL (psycopg)

The upserts do what ``rows.join_*`` does in Python, so a batch can be written twice (a retry
after a lost connection, a bundle imported again) without counting anything twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tutor.progress.store import LessonPlace, Rows, ShownRow, StepRow, StoreError

STEP_COLUMNS = (
    "learner, lesson, step, origin, status, attempts, hints_used, solution_shown, code, answer, "
    "seconds, started, updated"
)
PLACE_COLUMNS = "learner, lesson, position, source, updated"
SHOWN_COLUMNS = "learner, lesson, step, origin, message, count, updated"
SESSION_COLUMNS = "origin, learner, lesson, host, pid, opened"


def _rank(column: str) -> str:
    return f"(CASE {column} WHEN 'done' THEN 2 WHEN 'skipped' THEN 1 ELSE 0 END)"


@dataclass(frozen=True)
class Dialect:
    mark: str  # the parameter placeholder
    greatest: str
    least: str

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    @property
    def upsert_step(self) -> str:
        newer = (
            f"({_rank('excluded.status')}, excluded.updated) >= "
            f"({_rank('steps.status')}, steps.updated)"
        )
        g = self.greatest

        def latest(column: str) -> str:
            return f"{column} = CASE WHEN {newer} THEN excluded.{column} ELSE steps.{column} END"

        return (
            f"INSERT INTO steps ({STEP_COLUMNS}) VALUES ({self.marks(13)}) "
            "ON CONFLICT (learner, lesson, step, origin) DO UPDATE SET "
            f"{latest('status')}, {latest('code')}, {latest('answer')}, "
            f"attempts = {g}(steps.attempts, excluded.attempts), "
            f"hints_used = {g}(steps.hints_used, excluded.hints_used), "
            f"solution_shown = {g}(steps.solution_shown, excluded.solution_shown), "
            f"seconds = {g}(steps.seconds, excluded.seconds), "
            f"started = {self.least}(steps.started, excluded.started), "
            f"updated = {g}(steps.updated, excluded.updated)"
        )

    @property
    def upsert_place(self) -> str:
        newer = "excluded.updated >= places.updated"
        return (
            f"INSERT INTO places ({PLACE_COLUMNS}) VALUES ({self.marks(5)}) "
            "ON CONFLICT (learner, lesson) DO UPDATE SET "
            f"position = CASE WHEN {newer} THEN excluded.position ELSE places.position END, "
            f"source = CASE WHEN {newer} THEN excluded.source ELSE places.source END, "
            f"updated = {self.greatest}(places.updated, excluded.updated)"
        )

    @property
    def upsert_shown(self) -> str:
        return (
            f"INSERT INTO shown ({SHOWN_COLUMNS}) VALUES ({self.marks(7)}) "
            "ON CONFLICT (learner, lesson, step, origin, message) DO UPDATE SET "
            f"count = {self.greatest}(shown.count, excluded.count), "
            f"updated = {self.greatest}(shown.updated, excluded.updated)"
        )

    def where(
        self, learner: str | None, lesson: str | None, since: float = 0.0
    ) -> tuple[str, list[object]]:
        """A WHERE clause (possibly empty) for these filters, and its parameters."""
        clauses: list[str] = []
        values: list[object] = []
        for column, value in (("learner", learner), ("lesson", lesson)):
            if value is not None:
                clauses.append(f"{column} = {self.mark}")
                values.append(value)
        if since:
            clauses.append(f"updated >= {self.mark}")
            values.append(since)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def step_values(row: StepRow) -> tuple[object, ...]:
    """A row as upsert parameters (the code as a JSON list)."""
    return (
        row.learner, row.lesson, row.step, row.origin, row.status, row.attempts,
        row.hints_used, int(row.solution_shown), json.dumps(list(row.code)), row.answer,
        row.seconds, row.started, row.updated,
    )  # fmt: skip


def place_values(place: LessonPlace) -> tuple[object, ...]:
    return (place.learner, place.lesson, place.position, place.source, place.updated)


def shown_values(shown: ShownRow) -> tuple[object, ...]:
    return (
        shown.learner, shown.lesson, shown.step, shown.origin, shown.message, shown.count,
        shown.updated,
    )  # fmt: skip


def batches(dialect: Dialect, rows: Rows) -> list[tuple[str, list[tuple[object, ...]]]]:
    """(statement, parameter rows) for each kind of row in ``rows`` that has any."""
    work = [
        (dialect.upsert_step, [step_values(r) for r in rows.steps]),
        (dialect.upsert_place, [place_values(p) for p in rows.places]),
        (dialect.upsert_shown, [shown_values(s) for s in rows.shown]),
    ]
    return [(statement, values) for statement, values in work if values]


def step_row(values: Sequence[Any], where: str) -> StepRow:
    """A stored row (``STEP_COLUMNS`` order) back as a ``StepRow``; a damaged cell is an error."""
    (learner, lesson, step, origin, status, attempts, hints, shown, code, answer, seconds,
     started, updated) = values  # fmt: skip
    try:
        decoded = json.loads(str(code))
        if not isinstance(decoded, list) or not all(isinstance(c, str) for c in decoded):
            raise ValueError("not a list of strings")
        return StepRow(
            str(learner), str(lesson), str(step), str(origin), str(status), int(attempts),
            int(hints), bool(shown), tuple(decoded), str(answer), float(seconds),
            float(started), float(updated),
        )  # fmt: skip
    except (ValueError, TypeError) as error:
        raise StoreError(
            f"{where} is damaged: the record of {learner}/{lesson}/{step} cannot be read "
            f"({error}); {WAY_OUT}"
        ) from None


WAY_OUT = "`tutor reset --all` moves it aside and starts afresh"
