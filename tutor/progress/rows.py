"""Merging stored rows, and reading a step's record out of them. Pure functions, no I/O.

    combine([row_a, row_b])          # -> StepRecord: attempts summed, done if either is done
    pending = RowBuffer(); pending.add(rows); pending.rows()

``join_*`` is what a backend's ``write`` does in SQL (``sql.py``): the larger count wins, a step
never goes from done back to pending, and the latest code wins among equally finished rows. It
is idempotent and order-free, so rows can be sent again after a failure without counting twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from tutor.progress.store import LessonPlace, Rows, ShownRow, StepRow
from tutor.session import DONE, PENDING, SKIPPED, StepRecord

RANK = {PENDING: 0, SKIPPED: 1, DONE: 2}


def rank(status: str) -> int:
    return RANK.get(status, 0)


def _newest(row: StepRow) -> tuple[int, float]:
    return rank(row.status), row.updated


def join_step(old: StepRow, new: StepRow) -> StepRow:
    """Two versions of one session's row for one step, merged."""
    latest = new if _newest(new) >= _newest(old) else old
    return StepRow(
        old.learner, old.lesson, old.step, old.origin,
        status=latest.status,
        attempts=max(old.attempts, new.attempts),
        hints_used=max(old.hints_used, new.hints_used),
        solution_shown=old.solution_shown or new.solution_shown,
        code=latest.code,
        answer=latest.answer,
        seconds=max(old.seconds, new.seconds),
        started=min(old.started, new.started),
        updated=max(old.updated, new.updated),
    )  # fmt: skip


def join_place(old: LessonPlace, new: LessonPlace) -> LessonPlace:
    return new if new.updated >= old.updated else old


def join_shown(old: ShownRow, new: ShownRow) -> ShownRow:
    latest = new if new.updated >= old.updated else old
    return ShownRow(
        old.learner, old.lesson, old.step, old.origin, old.message,
        max(old.count, new.count), latest.updated,
    )  # fmt: skip


def combine(rows: Iterable[StepRow]) -> StepRecord:
    """A step's record from the rows of every session: counts summed, hints and status the
    furthest any session got, code from the most finished and then latest row."""
    rows = list(rows)
    best = max(rows, key=_newest)
    return StepRecord(
        status=best.status,
        attempts=sum(r.attempts for r in rows),
        hints_used=max(r.hints_used for r in rows),
        solution_shown=any(r.solution_shown for r in rows),
        code=list(best.code),
        answer=best.answer,
    )


def by_step(rows: Iterable[StepRow]) -> dict[tuple[str, str, str], list[StepRow]]:
    """Rows grouped by (learner, lesson, step), in the order first seen."""
    groups: dict[tuple[str, str, str], list[StepRow]] = {}
    for row in rows:
        groups.setdefault((row.learner, row.lesson, row.step), []).append(row)
    return groups


class RowBuffer:
    """Rows merged by key: what has not reached the store yet, or a read overlaid with it."""

    def __init__(self, rows: Rows | None = None) -> None:
        self._steps: dict[tuple[str, ...], StepRow] = {}
        self._places: dict[tuple[str, ...], LessonPlace] = {}
        self._shown: dict[tuple[str, ...], ShownRow] = {}
        if rows:
            self.add(rows)

    def __bool__(self) -> bool:
        return bool(self._steps or self._places or self._shown)

    def add(self, rows: Rows) -> None:
        for step in rows.steps:
            at = (step.learner, step.lesson, step.step, step.origin)
            known = self._steps.get(at)
            self._steps[at] = join_step(known, step) if known else step
        for place in rows.places:
            where = (place.learner, place.lesson)
            held = self._places.get(where)
            self._places[where] = join_place(held, place) if held else place
        for shown in rows.shown:
            what = (shown.learner, shown.lesson, shown.step, shown.origin, shown.message)
            seen = self._shown.get(what)
            self._shown[what] = join_shown(seen, shown) if seen else shown

    def rows(self, learner: str | None = None, lesson: str | None = None) -> Rows:
        """The merged rows, those of one learner (and lesson) if given."""

        def wanted(row: StepRow | LessonPlace | ShownRow) -> bool:
            return (learner is None or row.learner == learner) and (
                lesson is None or row.lesson == lesson
            )

        return Rows(
            [r for r in self._steps.values() if wanted(r)],
            [p for p in self._places.values() if wanted(p)],
            [s for s in self._shown.values() if wanted(s)],
        )

    def count(self) -> int:
        return len(self._steps) + len(self._places) + len(self._shown)
