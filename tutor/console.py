"""The plain front end, used when stdin is not a terminal (piped or redirected input).

Input is read as Python's console reads it (``tutor.inputs``); each step's text, the code's own
output and the verdicts are printed as plain text. At the end of input the last line is
``lesson1: N/M steps complete``.
"""

from __future__ import annotations

from collections.abc import Iterable

from tutor.commands import run_command
from tutor.engine import Tutor
from tutor.inputs import Input, completeness, read_inputs
from tutor.render import Screen


class ConsoleFrontEnd:
    """Feeds inputs from a stream of lines to a ``Tutor`` and prints what happens."""

    def __init__(self, tutor: Tutor, screen: Screen, echo: bool = True) -> None:
        self.tutor = tutor
        self.screen = screen
        self.echo = echo

    def run(self, lines: Iterable[str]) -> int:
        """Take the lesson from ``lines``; return the process exit status."""
        self.begin()
        status = 0
        for item in read_inputs(lines):
            if self.echo:
                self._echo(item)
            outcome = self.handle(item)
            if outcome is not None:
                status = outcome
                break
        self.screen.message(self.tutor.progress_line())
        return status

    def begin(self) -> None:
        tutor, screen = self.tutor, self.screen
        resumed_at = tutor.session.index if tutor.resumed and not tutor.session.finished else None
        screen.lesson_banner(tutor.lesson, None, resumed_at)
        if not tutor.session.finished:
            screen.step(tutor.lesson, tutor.session.index)
        info = tutor.kernel.wait_ready()
        screen.device_line(info.device, info.torch_version)
        setup = tutor.prepare()
        if not setup.ok:
            screen.message("The lesson's setup failed, so some names it provides are missing:")
            screen.run_result(setup)
        if tutor.session.finished:
            screen.message(
                "You have finished this lesson. `%back` revisits a step; `tutor reset` starts over."
            )
            return
        self._enter_step(show_text=False)

    def _enter_step(self, show_text: bool = True) -> None:
        tutor = self.tutor
        if tutor.session.finished:
            self.screen.message(end_of_lesson(tutor), "bold green")
            return
        if show_text:
            self.screen.step(tutor.lesson, tutor.session.index)
        self.screen.given(tutor.session.step)
        result = tutor.enter_step()
        self.screen.run_result(result)

    def handle(self, item: Input) -> int | None:
        """Act on one input; return an exit status to stop, or None to go on."""
        if item.command:
            outcome = run_command(item.command, self.tutor, self.screen)
            if outcome.step_changed:
                self._enter_step()
            return 0 if outcome.quit else None
        if self._is_choice_answer(item.code):
            result = self.tutor.answer(item.code)
            self.screen.choice(result.passed, result.message)
            if result.passed:
                self._enter_step()
            return None
        return self._submit(item.code)

    def _is_choice_answer(self, code: str) -> bool:
        """At a choice step, an input that isn't runnable Python (or names an option) answers it."""
        tutor = self.tutor
        if tutor.session.finished or not tutor.session.step.is_choice:
            return False
        from tutor.engine import close_option, match_option

        step = tutor.session.step
        if match_option(step, code) is not None or completeness(code) == "invalid":
            return True
        # `resize` for `resize_`, or `channels` for `colour channels`, is a near miss at an
        # answer, not code to run.
        return "\n" not in code.strip() and close_option(step, code) is not None

    def _submit(self, code: str) -> int | None:
        submission = self.tutor.submit(code)
        self.screen.run_result(submission.run)
        if submission.run.exit_code is not None:
            return submission.run.exit_code
        feedback = submission.feedback
        if feedback is not None and feedback.shown:
            self.screen.feedback(feedback)
            if feedback.passed:
                self._enter_step()
        return None

    def _echo(self, item: Input) -> None:
        if item.command:
            self.screen.message(f">>> {item.command}", "dim")
            return
        for number, line in enumerate(item.code.splitlines()):
            self.screen.message(f"{'>>>' if number == 0 else '...'} {line}", "dim")


def end_of_lesson(tutor: Tutor) -> str:
    """What to say at the end of a lesson: how it went, and where to go next."""
    from tutor.catalog import next_lesson_id
    from tutor.session import DONE, SKIPPED

    session = tutor.session
    done, skipped = session.count(DONE), session.count(SKIPPED)
    summary = f"End of {tutor.lesson.title}: {done} of {len(session.records)} steps done"
    if skipped:
        summary += f", {skipped} skipped"
    following = next_lesson_id(tutor.lesson.id)
    if following:
        summary += f". Next: `tutor start {following}`"
    return summary + "."
