"""Keeping the worker's namespace in step with the session: building it, and recovering it.

    builder = StateBuilder(lesson, session, runner, save_step=save)
    builder.rebuild()                        # setup, then every earlier step
    value, note = builder.guarded(action)    # run action; if the worker dies, recover
    note                                     # -> "... A new worker was started ..." or ""

When the worker dies (a segfault, ``os._exit``, the out-of-memory killer), a new one is started
and the lesson's state rebuilt up to the current step: the learner loses no progress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tutor.kernel.client import WorkerDied
from tutor.lesson import Lesson
from tutor.results import RunResult
from tutor.session import DONE, Session
from tutor.steprunner import StepRunner

T = TypeVar("T")


class StateBuilder:
    """Builds the learner's namespace in the worker from the lesson and the session's records."""

    def __init__(
        self,
        lesson: Lesson,
        session: Session,
        runner: StepRunner,
        save_step: Callable[[], None],
    ) -> None:
        self.lesson = lesson
        self.session = session
        self.runner = runner
        self.save_step = save_step

    def rebuild(self) -> RunResult:
        """Setup, then each earlier step from the learner's own code; returns the setup's result.

        If that code kills the worker on the way (code can act differently the second time: it
        may read a file it wrote), a new worker rebuilds the steps from their solutions instead.
        """
        try:
            return self._rebuild_with(learner_code=True)
        except WorkerDied:
            self.runner.kernel.restart()
            return self._rebuild_with(learner_code=False)

    def _rebuild_with(self, learner_code: bool) -> RunResult:
        self.runner.fresh()
        setup = self.runner.setup(self.lesson)
        for index in range(min(self.session.index, len(self.lesson.steps))):
            self._replay_step(index, learner_code)
        return setup

    def _replay_step(self, index: int, learner_code: bool = True) -> None:
        step, record = self.lesson.steps[index], self.session.records[index]
        self.runner.begin(step, quiet=True)
        codes = record.code if learner_code else []
        replayed = [self.runner.run(code, f"<replay {step.id}>", quiet=True) for code in codes]
        if step.is_choice:
            return
        if record.status != DONE or not codes or not all(r.ok for r in replayed):
            self.runner.run_solution(step)

    def replay_current_inputs(self) -> str:
        """Resuming part-way through a step: the inputs that ran so far, in order.

        An input that now kills the worker is dropped and the step rebuilt without it; the
        returned text says so (empty when all went well).
        """
        record = self.session.record
        if record.finished:
            return ""  # revisiting a finished step starts it afresh; its accepted code is kept
        for number, code in enumerate(list(record.code)):
            try:
                self.runner.run(code, "<replay>", quiet=True)
            except WorkerDied as died:
                record.code = record.code[:number]
                self.save_step()
                self.runner.kernel.restart()
                self.rebuild()
                self.runner.begin(self.session.step, quiet=True)
                self.replay_current_inputs()
                return (
                    f"Replaying your earlier input `{code.splitlines()[0]}` stopped the worker "
                    f"({died.how}); it was left out, and the step rebuilt without it."
                )
        return ""

    def recover(self, how: str) -> str:
        """Start a new worker, rebuild the current step's state; return what to tell the learner."""
        self.runner.kernel.restart()
        self.rebuild()
        if not self.session.finished:
            self.runner.begin(self.session.step, quiet=True)
            self.replay_current_inputs()
        return (
            f"{how}. A new worker was started and this step's state rebuilt; no progress was lost."
        )

    def guarded(self, action: Callable[[], T]) -> tuple[T | None, str]:
        """Run ``action``; if the worker dies meanwhile, recover and say how (else '')."""
        try:
            return action(), ""
        except WorkerDied as died:
            return None, self.recover(died.how)
