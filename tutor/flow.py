"""A lesson's flow for any front end: step screens, inputs, verdicts, moving on.

    flow = LessonFlow(tutor, screen)      # screen: any ``tutor.view.View``
    flow.begin()                          # banner, the current step, setup and rebuild
    status = flow.handle(Input(code="y = f(x)"))   # None: go on; an int: leave with it

The piped console and the interactive REPL differ only in how they read input; both hand each
input to ``LessonFlow.handle``, so a lesson reads the same in both.
"""

from __future__ import annotations

from collections.abc import Callable

from tutor.choices import close_option, match_option
from tutor.commands import run_command
from tutor.engine import Tutor
from tutor.inputs import Input, completeness
from tutor.kernel.protocol import ProgressMessage
from tutor.reports import end_of_lesson
from tutor.trainingline import TrainingLine
from tutor.view import View


class LessonFlow:
    """Drives a ``Tutor`` from inputs and shows what happens on a ``View``."""

    def __init__(self, tutor: Tutor, view: View) -> None:
        self.tutor = tutor
        self.view = view
        self.training = TrainingLine()
        # How a training loop's progress is shown; the REPL draws it on its live status line.
        self.show_progress: Callable[[TrainingLine, str | None], None] = view.progress
        tutor.on_progress = self._progress
        self._in_cell = False  # inside handle_cell: the next step's text waits for its end
        self._cell_failed = False  # the latest input of the cell raised an error
        self._step_pending = False
        self._cell: list[str] = []  # the current cell's inputs so far, for the current step
        self._reminded = -1  # the question step whose reminder was shown

    def begin(self) -> None:
        """Show where the learner is, get the worker ready, and start the current step."""
        tutor, view = self.tutor, self.view
        resumed_at = tutor.session.index if tutor.resumed and not tutor.session.finished else None
        view.lesson_banner(tutor.lesson, None, resumed_at)
        if not tutor.session.finished:
            view.step(tutor.lesson, tutor.session.index)
        info = tutor.kernel.wait_ready()
        view.device_line(info.device, info.torch_version)
        setup = tutor.prepare()
        if not setup.ok:
            view.message("The lesson's setup failed, so some names it provides are missing:")
            view.run_result(setup)
        if tutor.session.finished:
            view.message(
                "You have finished this lesson. `%back` revisits a step; `tutor reset` starts over."
            )
            return
        self.enter_step(show_text=False)

    def enter_step(self, show_text: bool = True) -> None:
        """Show the current step (or the end of the lesson) and run its given code.

        Inside a cell, the step begins at once but its text waits for the end of the cell.
        """
        tutor = self.tutor
        if tutor.session.finished:
            self.view.message(end_of_lesson(tutor), "bold green")
            return
        if self._in_cell:
            self._step_pending = True
            self.view.run_result(tutor.enter_step())
            return
        if show_text:
            self.view.step(tutor.lesson, tutor.session.index)
        self.view.given(tutor.session.step)
        result = tutor.enter_step()
        self.view.run_result(result)

    def show_step(self) -> None:
        """The current step's text and given code (or the end of the lesson)."""
        tutor = self.tutor
        if tutor.session.finished:
            return
        self.view.step(tutor.lesson, tutor.session.index)
        self.view.given(tutor.session.step)

    def handle_cell(self, items: list[Input]) -> int | None:
        """Act on a cell (a pasted block, statement by statement) as a notebook would.

        The cell stops at its first error and says what did not run; a step passes as soon as
        a statement completes it, but a failing verdict is shown once, for the cell's last
        statement; the next step's text comes after all of the cell's own output.
        """
        self._in_cell, self._cell = True, []
        try:
            for number, item in enumerate(items):
                self._cell_failed = False
                status = self.handle(item, final=number == len(items) - 1)
                if status is not None:
                    return status
                if self._cell_failed and number < len(items) - 1:
                    self._say_rest_skipped(items[number + 1 :])
                    break
        finally:
            self._in_cell = False
            self._cell = []
            if self._step_pending:
                self._step_pending = False
                self.show_step()
        return None

    def _say_rest_skipped(self, rest: list[Input]) -> None:
        lines = sum(len(item.code.splitlines()) or 1 for item in rest)
        self.view.message(
            f"The rest of the cell ({lines} more line{'s' if lines != 1 else ''}) did not run: "
            "as in a notebook, a cell stops at its first error.",
            "dim",
        )

    def handle(self, item: Input, final: bool = True) -> int | None:
        """Act on one input; return an exit status to stop, or None to go on.

        ``final=False``: more of the same cell follows, so a failing verdict waits for it.
        """
        if item.command:
            outcome = run_command(item.command, self.tutor, self.view)
            if outcome.step_changed:
                self.enter_step()
            return 0 if outcome.quit else None
        if self._is_choice_answer(item.code):
            result = self.tutor.answer(item.code)
            self.view.choice(result.passed, result.message)
            if result.passed:
                self.enter_step()
            return None
        return self._submit(item.code, final)

    def goodbye(self) -> None:
        """The last lines before leaving: progress, and how to come back."""
        self.view.message(self.tutor.progress_line())
        if not self.tutor.session.finished:
            self.view.message("Your progress is saved: `tutor start` continues from here.", "dim")

    def _is_choice_answer(self, code: str) -> bool:
        """At a choice step, an input that isn't runnable Python (or names an option) answers it."""
        tutor = self.tutor
        if tutor.session.finished or not tutor.session.step.is_choice:
            return False
        step = tutor.session.step
        if match_option(step, code) is not None or completeness(code) == "invalid":
            return True
        # `resize` for `resize_`, or `channels` for `colour channels`, is a near miss at an
        # answer, not code to run.
        return "\n" not in code.strip() and close_option(step, code) is not None

    def _progress(self, message: ProgressMessage) -> None:
        summary = self.training.update(message)
        self.show_progress(self.training, summary)

    def _submit(self, code: str, final: bool = True) -> int | None:
        self.training = TrainingLine()
        step = self.tutor.session.index
        submission = self.tutor.submit(code, final=final, cell=tuple(self._cell))
        # What the cell did for this step is judged together; a new step starts afresh.
        same_step = self._in_cell and self.tutor.session.index == step
        self._cell = [*self._cell, code] if same_step else []
        self.view.run_result(submission.run)
        if submission.run.exit_code is not None:
            return submission.run.exit_code
        if submission.run.ok:
            # What the worker noticed about a run that went well (`b.numpy` shown, not
            # called), after its output and before any verdict.
            for note in submission.run.explanation:
                self.view.message(note)
        self._cell_failed = not submission.run.ok
        feedback = submission.feedback
        if feedback is not None and feedback.shown:
            self.view.feedback(feedback)
            if feedback.passed:
                self.enter_step()
        elif self.tutor.session.index == step:
            self._remind_of_the_question()
        return None

    def _remind_of_the_question(self) -> None:
        """Code typed at a question runs, but answers nothing: say so, once per step (a learner
        copying a notebook's cells would otherwise wait on a step that cannot pass)."""
        session = self.tutor.session
        if session.finished or not session.step.is_choice or self._reminded == session.index:
            return
        self._reminded = session.index
        count = len(session.step.options)
        self.view.message(
            f"Your code ran, but this step is a question: type an option's number (1-{count}) "
            "or its words to answer it; `%skip` moves on without an answer.",
            "dim",
        )
