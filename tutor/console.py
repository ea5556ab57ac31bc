"""The plain front end, used when stdin is not a terminal (piped or redirected input).

    status = ConsoleFrontEnd(tutor, screen).run(sys.stdin)

Input is read as Python's console reads it (``tutor.inputs``), echoed with ``>>>`` and ``...``
prompts, and handed to the lesson's flow (``tutor.flow``). At the end of input the last line is
``lesson1: N/M steps complete``.
"""

from __future__ import annotations

from collections.abc import Iterable

from tutor.engine import Tutor
from tutor.flow import LessonFlow
from tutor.inputs import Input, read_inputs
from tutor.view import View


class ConsoleFrontEnd:
    """Feeds inputs from a stream of lines to a lesson's flow."""

    def __init__(self, tutor: Tutor, view: View, echo: bool = True) -> None:
        self.tutor = tutor
        self.view = view
        self.flow = LessonFlow(tutor, view)
        self.echo = echo

    def run(self, lines: Iterable[str]) -> int:
        """Take the lesson from ``lines``; return the process exit status."""
        self.flow.begin()
        status = 0
        for item in read_inputs(lines):
            if self.echo:
                self._echo(item)
            outcome = self.flow.handle(item)
            if outcome is not None:
                status = outcome
                break
        self.view.message(self.tutor.progress_line())
        return status

    def _echo(self, item: Input) -> None:
        if item.command:
            self.view.message(f">>> {item.command}", "dim")
            return
        for number, line in enumerate(item.code.splitlines()):
            self.view.message(f"{'>>>' if number == 0 else '...'} {line}", "dim")
