"""The lesson state machine: where the learner is and what they have done. No I/O here.

    session = Session(lesson)
    session.step              # the current Step
    session.record_attempt(passed=False)
    session.next_hint()       # -> the next hint's text, or None when they are used up
    session.skip()            # -> moves on, the step marked skipped

``tutor.engine`` drives a session together with the worker and the progress store; tests drive it
directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.lesson import Lesson, Step

PENDING, DONE, SKIPPED = "pending", "done", "skipped"


@dataclass
class StepRecord:
    """What the learner did in one step. ``code`` holds each input that ran without error."""

    status: str = PENDING
    attempts: int = 0
    hints_used: int = 0
    solution_shown: bool = False
    code: list[str] = field(default_factory=list)
    answer: str = ""

    @property
    def finished(self) -> bool:
        return self.status in (DONE, SKIPPED)


class Session:
    """The learner's position in a lesson and a record per step."""

    def __init__(self, lesson: Lesson, records: dict[str, StepRecord] | None = None) -> None:
        self.lesson = lesson
        known = records or {}
        self.records = [known.get(step.id, StepRecord()) for step in lesson.steps]
        self.index = self.first_unfinished()

    # -- where we are ------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.index >= len(self.lesson.steps)

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def record(self) -> StepRecord:
        return self.records[self.index]

    def first_unfinished(self) -> int:
        for index, record in enumerate(self.records):
            if not record.finished:
                return index
        return len(self.records)

    def count(self, status: str) -> int:
        return sum(1 for record in self.records if record.status == status)

    @property
    def started(self) -> bool:
        return any(r.attempts or r.finished or r.code for r in self.records)

    # -- what the learner does ---------------------------------------------------------------

    def record_input(self, code: str) -> None:
        """An input ran without error during the current step (replayed on resume)."""
        self.record.code.append(code)

    def record_attempt(self, passed: bool) -> None:
        """The step's checks judged an input; a pass completes the step."""
        self.record.attempts += 1
        if passed:
            self.record.status = DONE

    def next_hint(self) -> str | None:
        hints = self.step.hints
        if self.record.hints_used >= len(hints):
            return None
        self.record.hints_used += 1
        return hints[self.record.hints_used - 1]

    def show_solution(self) -> str:
        self.record.solution_shown = True
        return self.step.solution if not self.step.is_choice else self.step.answer

    def skip(self) -> None:
        if not self.record.finished:
            self.record.status = SKIPPED
        self.advance()

    def advance(self) -> None:
        if not self.finished:
            self.index += 1

    def back(self) -> bool:
        """Go to the previous step; False when already at the first."""
        if self.index == 0:
            return False
        self.index -= 1
        return True

    def go_next(self) -> bool:
        """Move on past a finished step; False when the current step is not finished yet."""
        if self.finished or not self.record.finished:
            return False
        self.advance()
        return True

    def complete_ahead(self, later: int, code: str) -> list[int]:
        """The current input completed step ``later``: the steps before it that are not done
        are marked skipped (the learner is past them), and the lesson goes on after ``later``.
        Returns the indexes of the steps skipped."""
        skipped = [i for i in range(self.index, later) if not self.records[i].finished]
        for i in skipped:
            self.records[i].status = SKIPPED
        record = self.records[later]
        record.code.append(code)
        record.attempts += 1
        record.status = DONE
        self.index = later + 1
        return skipped

    def goto(self, index: int) -> bool:
        """Go to step ``index``: any step up to the first one not finished yet."""
        if not 0 <= index <= min(self.first_unfinished(), len(self.records) - 1):
            return False
        self.index = index
        return True

    def reset(self) -> None:
        """Forget every step's record and start again at the first step."""
        self.records = [StepRecord() for _ in self.lesson.steps]
        self.index = 0
