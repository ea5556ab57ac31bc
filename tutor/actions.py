"""What a learner asks of a lesson besides running code: hints, skipping, moving, looking.

    tutor.hint()          # -> the next hint's text, or None
    tutor.skip()          # the step's solution runs quietly; the lesson moves on
    tutor.back()          # then tutor.enter_step(): the previous step, as it began
    tutor.variables()     # rows for the %vars table

``LearnerActions`` is the part of ``tutor.engine.Tutor`` that the ``%`` commands call; it keeps
each action's progress saved as it happens.
"""

from __future__ import annotations

from collections.abc import Sequence

from tutor.kernel.client import Kernel, WorkerDied
from tutor.lesson import Lesson, Step
from tutor.progress import ProgressStore
from tutor.rebuild import StateBuilder
from tutor.session import DONE, Session, StepRecord
from tutor.steprunner import StepRunner


class LearnerActions:
    """Hints, solutions, skipping and moving between steps, the variables, completion."""

    lesson: Lesson
    store: ProgressStore
    kernel: Kernel
    session: Session
    runner: StepRunner
    builder: StateBuilder
    _step_output: list[str]  # what this step's inputs printed, for `output` checks

    def hint(self) -> str | None:
        text = self.session.next_hint()
        self._save_step()
        return text

    def solution(self) -> str:
        text = self.session.show_solution()
        self._save_step()
        return text

    def skip(self) -> str:
        """Mark the step skipped and run its solution quietly, so later steps have its names."""
        step = self.session.step
        if not step.is_choice and self.session.record.status != DONE:
            ran, restarted = self.builder.guarded(lambda: self.runner.run_solution(step))
            if ran is None:
                return restarted
        self.session.skip()
        self._save_step(self.session.records[self.session.index - 1], step)
        self._save_place()
        return ""

    def back(self) -> bool:
        moved = self.session.back()
        self._save_place()
        return moved

    def go_next(self) -> bool:
        moved = self.session.go_next()
        self._save_place()
        return moved

    def reset_step(self) -> str:
        """Put the namespace back as it was when this step began."""
        restored, restarted = self.builder.guarded(self.builder.reset)
        if restored is False:  # no checkpoint: the copy the worker took when the step began
            _, restarted = self.builder.guarded(self.kernel.reset_step)
        self._step_output = []
        if not self.session.finished and not self.session.record.finished:
            self.session.record.code.clear()  # undone: a resume must not replay it
            self._save_step()
        return restarted

    def restart_worker(self) -> None:
        """A fresh worker, with the lesson's state rebuilt up to this step."""
        self.builder.recover("Restarted on request")

    def variables(self) -> list[dict[str, str]]:
        rows, _ = self.builder.guarded(self.kernel.variables)
        return rows or []

    def complete(self, source: str) -> list[tuple[str, str, str]]:
        """Completions from the live namespace; none (never an error) if the worker is gone."""
        try:
            return self.kernel.complete(source)
        except WorkerDied:
            return []

    def progress_line(self) -> str:
        done = self.session.count(DONE)
        return f"{self.lesson.id}: {done}/{len(self.lesson.steps)} steps complete"

    def close(self) -> None:
        self.kernel.close()

    def goto(self, number: int) -> bool:
        """Go to step ``number`` (counted from 1), up to the first step not finished."""
        moved = self.session.goto(number - 1)
        self._save_place()
        return moved

    # -- persistence -------------------------------------------------------------------------

    def _save_step(
        self,
        record: StepRecord | None = None,
        step: Step | None = None,
        shown: Sequence[str] = (),
    ) -> None:
        """Save a step's record (the current one's by default); ``shown``: the failing checks'
        titles the learner just read, for the class report of where learners get stuck."""
        if step is None or record is None:
            if self.session.finished:
                return
            step, record = self.session.step, self.session.record
        self.store.save_step(self.lesson.id, step.id, record, shown=shown)

    def _save_place(self) -> None:
        position = "" if self.session.finished else self.session.step.id
        source = str(self.lesson.source or "")
        self.store.save_place(self.lesson.id, position, source)
