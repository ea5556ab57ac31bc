"""What a front end must be able to show: the ``View`` protocol.

    class MyView:                       # a web page, a notebook widget, a test recorder...
        def message(self, text: str, style: str | None = None) -> None: ...
        ...
    LessonFlow(tutor, MyView()).begin()

``tutor.render.Screen`` is the terminal's view (rich). The lesson flow (``tutor.flow``) and the
``%`` commands (``tutor.commands``) talk only to this protocol, so a new front end implements
these methods and reuses everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tutor.lesson import Lesson, Step
from tutor.results import Feedback, RunResult
from tutor.trainingline import TrainingLine


class View(Protocol):
    """Everything the learner reads during a lesson."""

    def output(self, stream: str, text: str) -> None:
        """What learner code prints, as it prints it (``stream`` is stdout or stderr)."""

    def lesson_banner(self, lesson: Lesson, device: str | None, resumed_at: int | None) -> None:
        """The lesson's title and description; ``resumed_at`` is the step index resumed at."""

    def device_line(self, device: str, torch_version: str) -> None:
        """Where learner code runs."""

    def step(self, lesson: Lesson, index: int) -> None:
        """A step's screen: where it is in the lesson, its text, its options."""

    def given(self, step: Step) -> None:
        """The step's given code, which runs for the learner."""

    def progress(self, line: TrainingLine, summary: str | None) -> None:
        """A training loop's progress while it runs; ``summary`` when an epoch has ended."""

    def run_result(self, result: RunResult) -> None:
        """How running code ended: an error and its explanation, an interrupt, hidden output."""

    def feedback(self, feedback: Feedback) -> None:
        """The step's verdicts on the learner's work."""

    def choice(self, passed: bool, message: str) -> None:
        """The verdict on an answer to a choice step."""

    def message(self, text: str, style: str | None = None) -> None:
        """A line from the tutor; `code` in backticks."""

    def hint(self, text: str | None, number: int, total: int) -> None:
        """Hint ``number`` of ``total`` (None: none left)."""

    def solution(self, source: str) -> None:
        """The step's solution."""

    def compare(self, title: str, mine: str, solution: str) -> None:
        """The learner's accepted code beside the lesson's solution."""

    def variables(self, rows: Sequence[dict[str, str]]) -> None:
        """A table of the learner's variables (name, type, shape, dtype, device, value)."""

    def help(self, rows: Sequence[tuple[str, str]]) -> None:
        """The ``%`` commands: (command, what it does)."""

    def lesson_table(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """The lessons: (id, title, progress)."""
