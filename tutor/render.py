"""Everything the learner reads, drawn with rich: step screens, code, output, verdicts, tables.

    screen = Screen(Console(), plain=False)
    screen.step(lesson, index)
    screen.feedback(feedback)

``Screen`` is the terminal's ``tutor.view.View``; the same one serves the piped console and the
REPL, and ``tutor`` commands outside a lesson (``list``, ``progress``) use it too. With
``plain=True`` (not a terminal, or ``NO_COLOR``) nothing carries colour codes; rich already drops
them when the output isn't a TTY.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.padding import Padding
from rich.rule import Rule
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from tutor.mathtext import replace_math
from tutor.safetext import printable

if TYPE_CHECKING:
    from tutor.lesson import Lesson, Step
    from tutor.results import Feedback, RunResult
    from tutor.trainingline import TrainingLine

_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")

THEME_OK = "green"
THEME_BAD = "red"
THEME_DIM = "dim"


def make_console(plain: bool, width: int | None = None, file: object = None) -> Console:
    """A console for learner output; ``plain`` drops colour and styles."""
    return Console(
        file=file,  # type: ignore[arg-type]
        no_color=plain,
        color_system=None if plain else "auto",
        highlight=False,
        emoji=False,
        width=width,
        soft_wrap=False,
    )


class Screen:
    """Draws the tutor's output on a rich ``Console``."""

    def __init__(self, console: Console, plain: bool = False) -> None:
        self.console = console
        self.plain = plain

    def _print(self, *objects: object, **options: object) -> None:
        """Print like ``Console.print``; in plain mode without the padding rich adds to lines.

        In plain mode, lines of text (messages, verdicts) are not re-wrapped: piped output is
        read in a pager or a file, where a line's width is the reader's business. On a terminal
        rich wraps them at word boundaries.
        """
        if self.plain and all(isinstance(o, Text) for o in objects):
            options.setdefault("soft_wrap", True)
        if not self.plain:
            self.console.print(*objects, **options)  # type: ignore[arg-type]
            return
        with self.console.capture() as capture:
            self.console.print(*objects, **options)  # type: ignore[arg-type]
        text = "\n".join(line.rstrip() for line in capture.get().split("\n"))
        self.console.file.write(text)
        self.console.file.flush()

    def show(self, *objects: object) -> None:
        """Print rich renderables (tables, text) as the rest of the screen is printed."""
        self._print(*objects)

    # -- steps -------------------------------------------------------------------------------

    def lesson_banner(self, lesson: Lesson, device: str | None, resumed_at: int | None) -> None:
        self._print(Text(lesson.title, style="bold"))
        if lesson.description:
            self._print(self._markdown(lesson.description))
        if resumed_at is not None:
            self._print(
                f"Welcome back: continuing at step {resumed_at + 1} of {len(lesson.steps)}.",
                style=THEME_DIM,
            )

    def device_line(self, device: str, torch_version: str) -> None:
        line = f"Your code runs on {device} (torch {torch_version}); `device` names it."
        self._print(self.inline(line, THEME_DIM))

    def step(self, lesson: Lesson, index: int) -> None:
        step = lesson.steps[index]
        where = f"{lesson.title} · step {index + 1} of {len(lesson.steps)}"
        self._print()
        self._print(Rule(Text(where), style=THEME_DIM))  # Text: a title's `[/]` is not markup
        if step.title:
            self._print(Text(step.title, style="bold"))
        self._print(self._markdown(step.text))
        if step.is_choice:
            for number, option in enumerate(step.options, start=1):
                self._print(Text(f"  {number}) {option.text}"))
            self._print("Type an option or its number.", style=THEME_DIM)

    def given(self, step: Step) -> None:
        if step.given.strip():
            self._print("Given (runs now):", style=THEME_DIM)
            self.code(step.given)

    def code(self, source: str) -> None:
        source = printable(
            source
        )  # code from a lesson runs as written but never drives the terminal
        if self.plain:
            for line in source.rstrip("\n").splitlines():
                self._print(Text("    " + line))
            return
        self._print(python_syntax(source))

    def _markdown(self, text: str) -> object:
        from rich.markdown import Markdown

        text = replace_math(text.strip())
        if self.plain:  # without styles, `code` would lose its only mark: keep the backticks
            text = _INLINE_CODE.sub(lambda m: f"`` `{m.group(1)}` ``", text)
        return Markdown(text, code_theme="ansi_dark", hyperlinks=False)

    # -- running code ------------------------------------------------------------------------

    def output(self, stream: str, text: str) -> None:
        """Learner output, written as is: its own ANSI colours (pictures) pass through untouched."""
        self.console.file.write(text)
        self.console.file.flush()

    def progress(self, line: TrainingLine, summary: str | None) -> None:
        """One line per epoch, when it ends (the REPL draws a live line instead)."""
        if summary:
            self._print(self.inline(summary, THEME_DIM))

    def run_result(self, result: RunResult) -> None:
        if result.hidden_lines:
            lines = "line" if result.hidden_lines == 1 else "lines"
            self._print(f"… {result.hidden_lines:,} more {lines} of output hidden", style=THEME_DIM)
        if result.restarted:
            self._print(result.restarted, style="yellow")
        if result.note:
            self._print(self.inline(result.note, THEME_DIM))
        if result.timed_out:
            self._print(
                f"{result.error} Your variables keep the values they had then.", style="yellow"
            )
        elif result.interrupted:
            self._print(
                "KeyboardInterrupt: stopped. Your variables keep the values they had then.",
                style="yellow",
            )
        elif not result.ok and result.error:
            self._print(Text(result.error, style=THEME_BAD), soft_wrap=True)
            for line in result.explanation:
                self.detail(line)

    # -- verdicts ----------------------------------------------------------------------------

    def feedback(self, feedback: Feedback) -> None:
        if feedback.partial:  # one part right, another not made yet: no ✗ for work in progress
            for verdict in feedback.verdicts:
                if verdict.passed and verdict.title:
                    self._print(self.inline("✓ " + verdict.title, THEME_OK))
            for note in feedback.notes:
                self.detail(note)
            return
        if feedback.passed:
            for verdict in feedback.verdicts:
                if verdict.title:  # a check that did not apply confirms nothing
                    self._print(self.inline("✓ " + verdict.title, THEME_OK))
            if feedback.explanation:
                self._print(self._markdown(feedback.explanation))
            return
        failing = next(v for v in feedback.verdicts if not v.passed)
        for verdict in feedback.verdicts:
            if verdict.passed and verdict.title:
                self._print(self.inline("✓ " + verdict.title, THEME_OK))
        self._print(self.inline("✗ " + failing.title, f"bold {THEME_BAD}"))
        for line in failing.details:
            self.detail(line)
        for note in feedback.notes:
            self.detail("Note: " + note, "yellow")

    def detail(self, line: str, style: str = "") -> None:
        """A line under a verdict or error, indented; on a terminal it wraps under itself."""
        if self.plain:
            self._print(self.inline("  " + line, style))
        else:
            self._print(Padding(self.inline(line, style), (0, 0, 0, 2)))

    def choice(self, passed: bool, message: str) -> None:
        mark = "✓ Correct." if passed else "✗"
        self._print(self._markdown(f"{mark} {message}".strip()))

    # -- commands ----------------------------------------------------------------------------

    def message(self, text: str, style: str | None = None) -> None:
        self._print(self.inline(text, style or ""))

    def inline(self, text: str, style: str = "") -> Text:
        """A line of tutor prose: `code` spans keep their backticks when plain, else are styled."""
        text = printable(text)  # it may quote a lesson's check arguments
        if self.plain:
            return Text(text, style=style)
        line = Text(style=style)
        for index, part in enumerate(text.split("`")):
            line.append(part, style="bold cyan" if index % 2 else None)
        return line

    def hint(self, text: str | None, number: int, total: int) -> None:
        if text is None:
            self.message("No more hints for this step. `%solution` shows the solution.", THEME_DIM)
            return
        self._print(Text(f"Hint {number} of {total}:", style="bold"))
        self._print(self._markdown(text))

    def solution(self, source: str) -> None:
        self._print("Solution:", style="bold")
        self.code(source)

    def compare(self, title: str, mine: str, solution: str) -> None:
        self._print(Text(title, style="bold"))
        if self.plain or self.console.width < 90:  # one above the other where two won't fit
            for label, source in (("Yours:", mine), ("The lesson's:", solution)):
                self._print(label, style=THEME_DIM)
                self.code(source)
            return
        self._print(side_by_side(mine, solution))

    def variables(self, rows: Sequence[dict[str, str]]) -> None:
        if not rows:
            self.message("No variables yet.", THEME_DIM)
            return
        self._print(variables_table(rows, self.console.width))

    def help(self, rows: Sequence[tuple[str, str]]) -> None:
        self._print(table_of(rows, header=None, bold_first=True))

    def lesson_table(self, rows: Sequence[tuple[str, str, str]]) -> None:
        self._print(table_of(rows, header=("lesson", "title", "progress"), bold_first=True))


def progress_tables(report: Sequence[dict[str, Any]]) -> list[object]:
    """``tutor progress``: per lesson, a line of totals and a table of its steps."""
    shown: list[object] = []
    for entry in report:
        steps = entry["steps"]
        done = sum(1 for s in steps if s["status"] == "done")
        shown.append(Text(f"{entry['lesson']}: {done}/{len(steps)} steps complete", "bold"))
        table = Table(box=None, pad_edge=False)
        for column in ("step", "kind", "status", "attempts", "hints"):
            table.add_column(column, justify="right" if column in ("attempts", "hints") else "left")
        for s in steps:
            table.add_row(s["id"], s["kind"], s["status"], str(s["attempts"]), str(s["hints_used"]))
        shown.append(table)
    return shown


def table_of(
    rows: Sequence[Sequence[str]], header: Sequence[str] | None, bold_first: bool = False
) -> Table:
    """A plain table of text cells (shown as written: no rich markup is read in them)."""
    table = Table(show_header=header is not None, box=None, pad_edge=False)
    for number, name in enumerate(header or [""] * len(rows[0] if rows else ())):
        table.add_column(name, style="bold" if bold_first and number == 0 else None)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def python_syntax(source: str) -> Syntax:
    return Syntax(source.rstrip("\n"), "python", theme="ansi_dark", background_color="default")


def side_by_side(mine: str, solution: str) -> Table:
    """``%compare`` on a wide terminal: the learner's code and the lesson's, in two columns."""
    table = Table(box=None, pad_edge=False, expand=True)
    table.add_column("yours", ratio=1)
    table.add_column("the lesson's", ratio=1)
    table.add_row(python_syntax(mine), python_syntax(solution))
    return table


_VARIABLE_COLUMNS = ("name", "type", "shape", "dtype", "device", "value")


def variables_table(rows: Sequence[dict[str, str]], width: int = 80) -> Table:
    """``%vars``: a row per variable. Names are never cut; on a narrow terminal a value takes
    one line ending in "…" (and dtype and device make room when that is too little)."""
    columns: tuple[str, ...] = _VARIABLE_COLUMNS
    # A long type name (`_SingleProcessDataLoaderIter`) must not squeeze every value to "va…".
    rows = [{**row, "type": _cut(row.get("type", ""), _TYPE_WIDTH)} for row in rows]
    room = width - _fixed_width(rows, columns)
    if width < 70 and room < 16:
        columns = ("name", "type", "shape", "value")
        room = width - _fixed_width(rows, columns)
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column, no_wrap=column != "value" or width < 70)
    for row in rows:
        cells = [Text(row.get(k, "")) for k in columns]
        if width < 70:
            cells[-1].truncate(max(room, 4), overflow="ellipsis")
        table.add_row(*cells)
    return table


_TYPE_WIDTH = 18


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fixed_width(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> int:
    """The width of every column but the last (the value), with the gaps between them."""
    widths = [max(len(c), *(len(row.get(c, "")) for row in rows)) for c in columns[:-1]]
    return sum(widths) + 2 * len(widths)
