"""What the learner reads, as text: each ``Screen`` element drawn at a fixed width.

As rich's own tests do, each test draws into a console that writes to a ``StringIO`` and
compares the text:

    text = plain(lambda screen: screen.hint("Use `torch.relu`.", 1, 2))
    assert text == "Hint 1 of 2:\\nUse `torch.relu`.\\n"

Plain mode (piped output, ``NO_COLOR``) keeps the backticks around code and writes no trailing
spaces, so its text is compared exactly. Terminal mode drops the backticks and styles the code
instead; its lines are compared without the spaces rich pads them with, and ``looks`` reads a
fragment's style back from the colour codes of a forced colour terminal.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from rich.color import Color
from rich.console import Console
from rich.text import Text

from tutor.checks.base import failed, passed
from tutor.commands import help_rows
from tutor.lesson import Lesson, Option, Step
from tutor.render import Screen, make_console, progress_tables
from tutor.results import Feedback, RunResult

Draw = Callable[[Screen], None]


@pytest.fixture(autouse=True)
def no_terminal_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text must not depend on the terminal the tests happen to run in."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "COLORTERM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next console believe it writes to a 256-colour terminal."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")


def draw(show: Draw, *, plain: bool, width: int = 80) -> str:
    """Everything ``show`` writes on a ``Screen`` of ``width`` columns, as written."""
    console = make_console(plain=plain, width=width, file=io.StringIO())
    show(Screen(console, plain=plain))
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def plain(show: Draw, width: int = 80) -> str:
    """The text piped output gets, exactly."""
    return draw(show, plain=True, width=width)


def terminal(show: Draw, width: int = 80) -> str:
    """The text a terminal shows, without the spaces rich pads lines with."""
    text = draw(show, plain=False, width=width)
    return "\n".join(line.rstrip() for line in text.split("\n"))


_COLOURS = {Color.parse(name).number: name for name in ("red", "green", "yellow", "cyan")}


def looks(output: str, fragment: str) -> str:
    """How ``fragment`` is drawn in terminal output, e.g. "bold cyan" ("" when unstyled)."""
    text = Text.from_ansi(output)
    style = text.get_style_at_offset(Console(), text.plain.index(fragment))
    words = [word for word in ("bold", "dim") if getattr(style, word)]
    if style.color is not None:
        words.append(_COLOURS.get(style.color.number, style.color.name))
    return " ".join(words)


CODE_STEP = Step(
    id="relu",
    title="Rectify",
    text="Write `y = torch.relu(x)`.\n\nThe sigmoid $\\sigma(x) = \\frac{1}{1 + e^{-x}}$ squashes.",
    given="x = torch.randn(3)\n",
    solution="y = torch.relu(x)\n",
    hints=("Use `torch.relu`.", "Pass `x` to it."),
)
CHOICE_STEP = Step(
    id="bigger",
    kind="choice",
    text="Which tensor holds **more** numbers?",
    options=(Option("`weights`"), Option("features")),
)
LESSON = Lesson(
    id="lesson1",
    title="Tensors",
    steps=(CODE_STEP, CHOICE_STEP),
    description="Learn what a `torch.tensor` holds.",
)

SHAPE_ERROR = RunResult(
    ok=False,
    error="RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x5 and 1x5)",
    explanation=[
        "`torch.mm(features, weights)` cannot multiply (1, 5) by (1, 5): "
        "the inner sizes must match.",
        "Reshape `weights` to (5, 1) first.",
    ],
)
PASSING = Feedback(
    [passed("`y` is defined"), passed("`y`: shape (1, 1), value 0.1595")],
    passed=True,
    shown=True,
    explanation="ReLU keeps `x` where it is positive.",
)
FAILING = Feedback(
    [
        passed("`y` is defined"),
        failed("`y` has the wrong shape", "Expected (1, 1), got (5,).", "Use `torch.mm`."),
        failed("`y` has the wrong values", "Not shown: only the first failure is."),
    ],
    passed=False,
    shown=True,
    notes=["`x` was changed since the step began."],
)
PROBABILITIES = {
    "name": "probabilities",
    "type": "Tensor",
    "shape": "(64, 10)",
    "dtype": "float32",
    "device": "cpu",
    "value": "tensor([[0.1000, 0.1000, 0.1000, 0.1000, 0.1000, 0.1000], ...])",
}
COUNT = {"name": "count", "type": "list", "value": "[3]"}
PROGRESS: list[dict[str, Any]] = [
    {
        "lesson": "lesson1",
        "title": "Tensors",
        "position": 1,
        "steps": [
            {"id": "make", "kind": "code", "status": "done", "attempts": 2, "hints_used": 1},
            {"id": "bigger", "kind": "choice", "status": "pending", "attempts": 0, "hints_used": 0},
        ],
    },
    {
        "lesson": "lesson2",
        "title": "Networks",
        "position": None,
        "steps": [
            {"id": "layer", "kind": "code", "status": "skipped", "attempts": 12, "hints_used": 3},
        ],
    },
]


def every_element(screen: Screen) -> None:
    """Draw each element once, for the checks that hold for all of them."""
    screen.lesson_banner(LESSON, "cpu", 1)
    screen.device_line("cpu", "2.13.0")
    screen.step(LESSON, 0)
    screen.step(LESSON, 1)
    screen.given(CODE_STEP)
    screen.run_result(SHAPE_ERROR)
    screen.feedback(PASSING)
    screen.feedback(FAILING)
    screen.choice(False, "`weights` holds 5 numbers, `features` 5 too.")
    screen.message("Skipped `relu`.", "dim")
    screen.hint(CODE_STEP.hints[0], 1, 2)
    screen.hint(None, 3, 2)
    screen.solution(CODE_STEP.solution)
    screen.variables([PROBABILITIES, COUNT])
    screen.help(help_rows())
    screen.lesson_table([("lesson1", "Tensors", "1/2")])
    screen.show(*progress_tables(PROGRESS))


# -- the lesson banner and the device ---------------------------------------------------------


def test_banner_shows_the_lesson_title_and_description() -> None:
    text = plain(lambda screen: screen.lesson_banner(LESSON, "cpu", None))
    assert text == "Tensors\nLearn what a `torch.tensor` holds.\n"


def test_banner_on_resume_says_which_step_the_learner_continues_at() -> None:
    text = plain(lambda screen: screen.lesson_banner(LESSON, "cpu", 1))
    assert text == (
        "Tensors\nLearn what a `torch.tensor` holds.\nWelcome back: continuing at step 2 of 2.\n"
    )


def test_banner_on_a_terminal_shows_code_without_backticks() -> None:
    text = terminal(lambda screen: screen.lesson_banner(LESSON, "cpu", 1))
    assert text == (
        "Tensors\nLearn what a torch.tensor holds.\nWelcome back: continuing at step 2 of 2.\n"
    )


def test_device_line_names_the_device_and_torch_version() -> None:
    def show(screen: Screen) -> None:
        screen.device_line("cuda:0", "2.13.0")

    assert plain(show) == "Your code runs on cuda:0 (torch 2.13.0); `device` names it.\n"
    assert terminal(show) == "Your code runs on cuda:0 (torch 2.13.0); device names it.\n"


# -- steps ------------------------------------------------------------------------------------


def test_code_step_shows_where_it_is_its_title_and_its_text() -> None:
    assert plain(lambda screen: screen.step(LESSON, 0)) == (
        "\n"
        "──────────────────────────── Tensors · step 1 of 2 ─────────────────────────────\n"
        "Rectify\n"
        "Write `y = torch.relu(x)`.\n"
        "\n"
        "The sigmoid σ(x) = 1 / (1 + e⁻ˣ) squashes.\n"
    )


def test_code_step_on_a_terminal_shows_code_without_backticks() -> None:
    text = terminal(lambda screen: screen.step(LESSON, 0))
    assert "Write y = torch.relu(x).\n" in text
    assert "`" not in text


def test_math_in_step_text_reads_as_unicode_in_both_modes() -> None:
    for text in (plain(lambda s: s.step(LESSON, 0)), terminal(lambda s: s.step(LESSON, 0))):
        assert "The sigmoid σ(x) = 1 / (1 + e⁻ˣ) squashes." in text
        assert "$" not in text
        assert "\\frac" not in text


def test_choice_step_numbers_its_options_and_says_how_to_answer() -> None:
    assert plain(lambda screen: screen.step(LESSON, 1)) == (
        "\n"
        "──────────────────────────── Tensors · step 2 of 2 ─────────────────────────────\n"
        "Which tensor holds more numbers?\n"
        "  1) `weights`\n"
        "  2) features\n"
        "Type an option or its number.\n"
    )


def test_choice_options_are_shown_as_typed_on_a_terminal_too() -> None:
    text = terminal(lambda screen: screen.step(LESSON, 1))
    assert "  1) `weights`\n  2) features\nType an option or its number.\n" in text


def test_choice_option_with_square_brackets_is_shown_as_written() -> None:
    step = Step(id="sum", kind="choice", text="Which sums rows?", options=(Option("`x.sum([b])`"),))
    lesson = Lesson(id="lesson1", title="Tensors", steps=(step,))
    assert "  1) `x.sum([b])`\n" in plain(lambda screen: screen.step(lesson, 0))


def test_given_code_is_labelled_and_indented_when_plain() -> None:
    assert plain(lambda screen: screen.given(CODE_STEP)) == (
        "Given (runs now):\n    x = torch.randn(3)\n"
    )


def test_given_code_on_a_terminal_is_highlighted_not_indented() -> None:
    assert terminal(lambda screen: screen.given(CODE_STEP)) == (
        "Given (runs now):\nx = torch.randn(3)\n"
    )


def test_step_without_given_code_shows_nothing_for_it() -> None:
    assert plain(lambda screen: screen.given(CHOICE_STEP)) == ""


def test_code_keeps_its_own_indentation() -> None:
    source = "def grow(x):\n    return x + 1\n"
    assert plain(lambda screen: screen.code(source)) == "    def grow(x):\n        return x + 1\n"
    assert terminal(lambda screen: screen.code(source)) == "def grow(x):\n    return x + 1\n"


# -- running code -----------------------------------------------------------------------------


def test_error_is_followed_by_its_explanation_indented() -> None:
    assert plain(lambda screen: screen.run_result(SHAPE_ERROR)) == (
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x5 and 1x5)\n"
        "  `torch.mm(features, weights)` cannot multiply (1, 5) by (1, 5): "
        "the inner sizes must match.\n"
        "  Reshape `weights` to (5, 1) first.\n"
    )


def test_long_explanation_wraps_under_itself_on_a_terminal() -> None:
    assert terminal(lambda screen: screen.run_result(SHAPE_ERROR)) == (
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x5 and 1x5)\n"
        "  torch.mm(features, weights) cannot multiply (1, 5) by (1, 5): the inner sizes\n"
        "  must match.\n"
        "  Reshape weights to (5, 1) first.\n"
    )


def test_plain_explanation_is_never_rewrapped_at_a_narrow_width() -> None:
    text = plain(lambda screen: screen.run_result(SHAPE_ERROR), width=40)
    assert text == plain(lambda screen: screen.run_result(SHAPE_ERROR), width=80)


def test_interrupt_says_the_variables_are_kept_instead_of_an_error() -> None:
    result = RunResult(ok=False, error="KeyboardInterrupt", interrupted=True)
    assert plain(lambda screen: screen.run_result(result)) == (
        "KeyboardInterrupt: stopped. Your variables keep the values they had then.\n"
    )


def test_hidden_output_is_counted_with_thousands_separated() -> None:
    many, one = RunResult(hidden_lines=12345), RunResult(hidden_lines=1)
    assert plain(lambda screen: screen.run_result(many)) == "… 12,345 more lines of output hidden\n"
    assert plain(lambda screen: screen.run_result(one)) == "… 1 more line of output hidden\n"


def test_restart_note_comes_before_the_error_it_caused() -> None:
    result = RunResult(
        ok=False,
        error="MemoryError",
        restarted="The worker ran out of memory and was restarted; your steps were replayed.",
    )
    assert plain(lambda screen: screen.run_result(result)) == (
        "The worker ran out of memory and was restarted; your steps were replayed.\nMemoryError\n"
    )


def test_code_that_ran_well_adds_nothing() -> None:
    assert plain(lambda screen: screen.run_result(RunResult(output="tensor([1.])\n"))) == ""


def test_learner_output_passes_through_untouched() -> None:
    picture = "\x1b[48;5;232m  \x1b[0m\n"  # a pixel of a drawn picture keeps its own colour
    assert plain(lambda screen: screen.output("stdout", picture)) == picture


# -- verdicts ---------------------------------------------------------------------------------


def test_passing_feedback_ticks_each_check_then_explains() -> None:
    assert plain(lambda screen: screen.feedback(PASSING)) == (
        "✓ `y` is defined\n"
        "✓ `y`: shape (1, 1), value 0.1595\n"
        "ReLU keeps `x` where it is positive.\n"
    )


def test_failing_feedback_names_the_first_failure_with_its_details_and_notes() -> None:
    assert plain(lambda screen: screen.feedback(FAILING)) == (
        "✓ `y` is defined\n"
        "✗ `y` has the wrong shape\n"
        "  Expected (1, 1), got (5,).\n"
        "  Use `torch.mm`.\n"
        "  Note: `x` was changed since the step began.\n"
    )


def test_failing_feedback_on_a_terminal_shows_code_without_backticks() -> None:
    assert terminal(lambda screen: screen.feedback(FAILING)) == (
        "✓ y is defined\n"
        "✗ y has the wrong shape\n"
        "  Expected (1, 1), got (5,).\n"
        "  Use torch.mm.\n"
        "  Note: x was changed since the step began.\n"
    )


def test_right_choice_says_correct_and_why() -> None:
    def show(screen: Screen) -> None:
        screen.choice(True, "`weights` holds 5 numbers.")

    assert plain(show) == "✓ Correct. `weights` holds 5 numbers.\n"
    assert terminal(show) == "✓ Correct. weights holds 5 numbers.\n"


def test_wrong_choice_is_crossed_and_says_why() -> None:
    def show(screen: Screen) -> None:
        screen.choice(False, "`features` holds 5 numbers too.")

    assert plain(show) == "✗ `features` holds 5 numbers too.\n"
    assert terminal(show) == "✗ features holds 5 numbers too.\n"


# -- commands ---------------------------------------------------------------------------------


def test_message_keeps_backticks_only_when_plain() -> None:
    def show(screen: Screen) -> None:
        screen.message("Skipped `relu`; its solution ran.")

    assert plain(show) == "Skipped `relu`; its solution ran.\n"
    assert terminal(show) == "Skipped relu; its solution ran.\n"


def test_hint_is_numbered_out_of_the_total() -> None:
    assert plain(lambda screen: screen.hint("Use `torch.relu`.", 1, 2)) == (
        "Hint 1 of 2:\nUse `torch.relu`.\n"
    )


def test_no_hints_left_points_to_the_solution() -> None:
    def show(screen: Screen) -> None:
        screen.hint(None, 3, 2)

    assert plain(show) == "No more hints for this step. `%solution` shows the solution.\n"
    assert terminal(show) == "No more hints for this step. %solution shows the solution.\n"


def test_solution_is_labelled_and_shown_as_code() -> None:
    assert plain(lambda screen: screen.solution(CODE_STEP.solution)) == (
        "Solution:\n    y = torch.relu(x)\n"
    )
    assert terminal(lambda screen: screen.solution(CODE_STEP.solution)) == (
        "Solution:\ny = torch.relu(x)\n"
    )


def test_no_variables_yet_is_said_in_words() -> None:
    assert plain(lambda screen: screen.variables([])) == "No variables yet.\n"


def test_variables_table_at_80_columns() -> None:
    assert plain(lambda screen: screen.variables([PROBABILITIES, COUNT])) == (
        "name           type    shape     dtype    device  value\n"
        "probabilities  Tensor  (64, 10)  float32  cpu     tensor([[0.1000, 0.1000,\n"
        "                                                  0.1000, 0.1000, 0.1000,\n"
        "                                                  0.1000], ...])\n"
        "count          list                               [3]\n"
    )


def test_variable_values_with_brackets_are_shown_as_they_are() -> None:
    odd = {"name": "tags", "type": "list", "value": "['[bold]', '[/]']"}
    assert "['[bold]', '[/]']" in plain(lambda screen: screen.variables([odd]))


@pytest.mark.parametrize("mode", [plain, terminal], ids=["plain", "terminal"])
def test_variables_at_60_columns_cut_no_word(mode: Callable[[Draw, int], str]) -> None:
    text = mode(lambda screen: screen.variables([PROBABILITIES, COUNT]), 60)
    words = {"name", "type", "shape", "dtype", "device", "value"}
    for row in (PROBABILITIES, COUNT):
        words.update(word for cell in row.values() for word in cell.split())
    assert "probabilities" in text.split()  # the learner's own name, whole
    # A value may be shortened with an ellipsis; no word may be split across lines.
    pieces = [word for word in text.split() if word not in words]
    assert [p for p in pieces if not p.endswith("…")] == []


def test_help_lists_each_command_beside_what_it_does() -> None:
    rows = [("%hint", "The next hint (F1 in the REPL)"), ("%quit / %exit", "Leave; work is kept")]
    assert plain(lambda screen: screen.help(rows)) == (
        "%hint          The next hint (F1 in the REPL)\n%quit / %exit  Leave; work is kept\n"
    )


def test_help_shows_every_command_of_the_tutor() -> None:
    text = plain(lambda screen: screen.help(help_rows()))
    flowing = " ".join(text.split())  # a long meaning wraps onto a second line
    for command, meaning in help_rows():
        assert any(line.startswith(command + " ") for line in text.splitlines())
        assert " ".join(meaning.split()) in flowing


def test_lesson_table_has_a_header_and_a_row_per_lesson() -> None:
    rows = [("lesson1", "Tensors", "3/5"), ("lesson2", "Neural networks", "")]
    assert plain(lambda screen: screen.lesson_table(rows)) == (
        "lesson   title            progress\n"
        "lesson1  Tensors          3/5\n"
        "lesson2  Neural networks\n"
    )


def test_lesson_title_with_square_brackets_is_shown_as_written() -> None:
    rows = [("lesson1", "Indexing with x[b]", "")]
    assert "Indexing with x[b]" in plain(lambda screen: screen.lesson_table(rows))


def test_progress_gives_each_lesson_a_total_and_a_table_of_its_steps() -> None:
    assert plain(lambda screen: screen.show(*progress_tables(PROGRESS))) == (
        "lesson1: 1/2 steps complete\n"
        "step    kind    status   attempts  hints\n"
        "make    code    done            2      1\n"
        "bigger  choice  pending         0      0\n"
        "lesson2: 0/1 steps complete\n"
        "step   kind  status   attempts  hints\n"
        "layer  code  skipped        12      3\n"
    )


# -- across every element ---------------------------------------------------------------------


@pytest.mark.usefixtures("colour_terminal")
def test_plain_mode_writes_no_colour_codes_even_on_a_terminal() -> None:
    assert "\x1b" not in draw(every_element, plain=True)
    assert "\x1b" in draw(every_element, plain=False)  # the same terminal does get colour


def test_plain_mode_ends_no_line_with_spaces() -> None:
    text = plain(every_element)
    assert [line for line in text.splitlines() if line != line.rstrip()] == []


def test_terminal_and_plain_show_the_same_words_apart_from_backticks() -> None:
    def words(text: str) -> list[str]:
        return text.replace("`", "").split()

    assert words(draw(every_element, plain=False)) == words(plain(every_element))


@pytest.mark.usefixtures("colour_terminal")
def test_terminal_marks_titles_code_verdicts_and_errors_by_style() -> None:
    def show(screen: Screen) -> None:
        screen.lesson_banner(LESSON, "cpu", 1)
        screen.run_result(SHAPE_ERROR)
        screen.feedback(FAILING)
        screen.hint(None, 3, 2)
        screen.help([("%vars", "A table of your variables")])

    text = draw(show, plain=False)
    assert looks(text, "Tensors") == "bold"
    assert looks(text, "Welcome back") == "dim"
    assert looks(text, "RuntimeError") == "red"
    assert looks(text, "torch.mm(features") == "bold cyan"
    assert looks(text, "✓") == "green"
    assert looks(text, "✗") == "bold red"
    assert looks(text, "Expected (1, 1)") == ""
    assert looks(text, "Note:") == "yellow"
    assert looks(text, "No more hints") == "dim"
    assert looks(text, "%vars") == "bold"
    assert looks(text, "A table of") == ""


@pytest.mark.usefixtures("colour_terminal")
def test_terminal_highlights_python_code() -> None:
    text = draw(lambda screen: screen.code("total = 1 + 2\n"), plain=False)
    assert Text.from_ansi(text).plain == "total = 1 + 2\n"
    assert looks(text, "1") != ""


def test_a_long_type_name_leaves_the_values_readable_at_80_columns() -> None:
    iterator = {
        "name": "dataiter",
        "type": "_SingleProcessDataLoaderIter",
        "value": "<an iterator>",
    }
    text = plain(lambda screen: screen.variables([PROBABILITIES, iterator]))
    assert "_SingleProcessDat… " in text
    assert "<an iterator>" in text


def test_a_pass_that_confirms_nothing_draws_no_check_mark() -> None:
    feedback = Feedback([passed("`criterion` is a loss"), passed("")], passed=True, shown=True)
    assert plain(lambda screen: screen.feedback(feedback)) == "✓ `criterion` is a loss\n"
