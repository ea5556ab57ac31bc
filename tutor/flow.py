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
        """Show the current step (or the end of the lesson) and run its given code."""
        tutor = self.tutor
        if tutor.session.finished:
            self.view.message(end_of_lesson(tutor), "bold green")
            return
        if show_text:
            self.view.step(tutor.lesson, tutor.session.index)
        self.view.given(tutor.session.step)
        result = tutor.enter_step()
        self.view.run_result(result)

    def handle(self, item: Input) -> int | None:
        """Act on one input; return an exit status to stop, or None to go on."""
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
        return self._submit(item.code)

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

    def _submit(self, code: str) -> int | None:
        self.training = TrainingLine()
        submission = self.tutor.submit(code)
        self.view.run_result(submission.run)
        if submission.run.exit_code is not None:
            return submission.run.exit_code
        feedback = submission.feedback
        if feedback is not None and feedback.shown:
            self.view.feedback(feedback)
            if feedback.passed:
                self.enter_step()
        return None
