"""The interactive REPL, headless: keys typed into prompt-toolkit's pipe input, a real worker.

Each test types what a learner would (``\\r`` is Enter, ``\\x1bOP`` is F1, ``\\x03`` Ctrl-C,
``\\x04`` Ctrl-D) and reads what the ``Screen`` printed, as text.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.lesson import load_lesson
from tutor.progress import SQLiteStore
from tutor.render import Screen, make_console
from tutor.repl import Repl, choose_lesson_menu, history_path, leaving_on_hangup, run_repl
from tutor.repl.completer import TutorCompleter, make_completer
from tutor.repl.editing import as_input, as_inputs, enter_runs, next_indent
from tutor.repl.spinner import Spinner
from tutor.repl.toolbar import toolbar_text

LESSON = """
id: tiny
title: A tiny lesson
setup: import torch
steps:
  - id: ones
    text: Make `x`, a tensor of three ones.
    solution: x = torch.ones(3)
    checks:
      - tensor: {name: x, shape: [3]}
    hints: ["`torch.ones(n)` makes a tensor of n ones."]
  - id: double
    text: Define `double(t)`, which returns twice `t`.
    solution: |
      def double(t):
          return 2 * t
    checks:
      - function: {name: double, inputs: ["torch.tensor([1.0, -2.0])"]}
  - id: last
    text: Make `z`, anything at all.
    solution: z = 0
    checks:
      - defined: z
"""

ENTER, F1, CTRL_C, CTRL_D = "\r", "\x1bOP", "\x03", "\x04"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


@dataclass
class Headless:
    """A lesson in the REPL with no terminal: type keys, get back the exit status and screen."""

    tutor: Tutor
    out: io.StringIO

    def run(self, keys: str, plain: bool = False) -> tuple[int, str]:
        screen = Screen(make_console(plain=plain, width=80, file=self.out), plain=plain)
        self.tutor.on_output = screen.output
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            pipe.send_text(keys)
            pipe.close()  # once the keys run out the prompt sees end of input, never hangs
            status = Repl(self.tutor, screen, warm_up=False).run()
        return status, self.out.getvalue()


@pytest.fixture
def headless(write_lesson, kernel: Kernel, tmp_path: Path) -> Headless:  # type: ignore[no-untyped-def]
    store = SQLiteStore(tmp_path / "progress.sqlite3")
    return Headless(Tutor(load_lesson(write_lesson(LESSON)), store, kernel), io.StringIO())


# -- the lesson at the prompt ----------------------------------------------------------------


@pytest.mark.parametrize("plain", [False, True], ids=["colour", "NO_COLOR"])
def test_typing_a_steps_solution_passes_it_and_shows_the_next_step(
    headless: Headless, plain: bool
) -> None:
    status, screen = headless.run("x = torch.ones(3)" + ENTER + CTRL_D, plain=plain)
    screen = screen.replace("`", "")  # plain text keeps the backticks around code
    assert status == 0
    assert "✓ x: shape (3,)" in screen
    assert "step 2 of 3" in screen and "Define double(t)" in screen
    assert "tiny: 1/3 steps complete" in screen


def test_a_function_typed_line_by_line_is_auto_indented_and_runs_after_a_blank_line(
    headless: Headless,
) -> None:
    keys = "x = torch.ones(3)" + ENTER
    # No spaces typed before `return`: Enter after `:` indents the next line by itself.
    keys += "def double(t):" + ENTER + "return 2 * t" + ENTER + ENTER + CTRL_D
    _, screen = headless.run(keys)
    assert "✓ double(torch.tensor([1.0, -2.0])) matches the solution" in screen
    assert headless.tutor.session.index == 2


def test_a_pasted_block_with_blank_lines_runs_once(headless: Headless) -> None:
    # As copied from a notebook: a blank line inside the function, and one after it.
    block = 'x = torch.ones(3)\ndef double(t):\n    """Twice t."""\n\n    return 2 * t\n\n'
    block += 'print("ran")\n'
    _, screen = headless.run(PASTE_START + block + PASTE_END + ENTER + CTRL_D)
    assert screen.count("ran\n") == 1
    # Each statement ran once, judged in turn (the first completed step 1), not once per line.
    ran = [code for record in headless.tutor.session.records for code in record.code]
    assert ran == [
        "x = torch.ones(3)",
        'def double(t):\n    """Twice t."""\n\n    return 2 * t',
        'print("ran")',
    ]


def test_f1_shows_a_hint_and_keeps_what_was_being_typed(headless: Headless) -> None:
    _, screen = headless.run("x = torch." + F1 + "ones(3)" + ENTER + CTRL_D)
    assert "Hint 1 of 1" in screen and "makes a tensor of n ones" in screen
    assert headless.tutor.session.index == 1  # the line typed around F1 still ran and passed


def test_ctrl_c_stops_an_endless_loop_and_keeps_the_namespace(
    headless: Headless, monkeypatch: pytest.MonkeyPatch
) -> None:
    kernel = headless.tutor.kernel
    request = kernel._request

    def request_with_ctrl_c(message: Any, on_output: Any = None, on_progress: Any = None) -> Any:
        if message.get("code") != "while True: pass":
            return request(message, on_output, on_progress)
        done = threading.Event()

        def press_ctrl_c() -> None:  # as the terminal would: SIGINT to the front process
            while not done.wait(0.4):
                os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=press_ctrl_c, daemon=True).start()
        try:
            return request(message, on_output, on_progress)
        finally:
            done.set()

    monkeypatch.setattr(kernel, "_request", request_with_ctrl_c)
    keys = "n = 41" + ENTER + "while True: pass" + ENTER + ENTER + "print(n + 1)" + ENTER + CTRL_D
    started = time.perf_counter()
    status, screen = headless.run(keys)
    assert status == 0 and time.perf_counter() - started < 20
    assert "KeyboardInterrupt: stopped" in screen
    assert "42\n" in screen


def test_ctrl_c_drops_the_input_being_typed(headless: Headless) -> None:
    _, screen = headless.run("x = torch.ones(3)" + CTRL_C + CTRL_D)
    assert "✓" not in screen and headless.tutor.session.index == 0


def test_a_second_ctrl_c_at_an_empty_prompt_asks_before_leaving(headless: Headless) -> None:
    status, screen = headless.run(CTRL_C + CTRL_C + "n" + "x = torch.ones(3)" + ENTER + CTRL_C)
    assert "Ctrl-C again to leave" in screen
    assert headless.tutor.session.index == 1  # "n": stayed, and the next input still ran
    status, _ = Headless(headless.tutor, io.StringIO()).run(CTRL_C + CTRL_C + "y")
    assert status == 0


def test_commands_and_exit_work_at_the_prompt(headless: Headless) -> None:
    status, screen = headless.run("%skip" + ENTER + "%vars" + ENTER + "exit" + ENTER + "1/0")
    assert status == 0
    assert "Skipped." in screen and "step 2 of 3" in screen
    assert "x" in screen and "(3,)" in screen  # the %vars table
    assert "ZeroDivisionError" not in screen  # `exit` left before the last line


def test_history_is_kept_per_lesson(headless: Headless) -> None:
    headless.run("x = torch.ones(3)" + ENTER + CTRL_D)
    assert "x = torch.ones(3)" in history_path("tiny").read_text()


def test_term_dumb_falls_back_to_plain_input_lines(
    headless: Headless, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = iter(["x = torch.ones(3)", "def double(t):", "    return 2 * t", ""])
    prompts: list[str] = []

    def read_line(prompt: str = "") -> str:
        prompts.append(prompt)
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None  # the learner pressed Ctrl-D

    monkeypatch.setattr("builtins.input", read_line)
    monkeypatch.setenv("TERM", "dumb")
    screen = Screen(make_console(plain=True, width=80, file=headless.out), plain=True)
    headless.tutor.on_output = screen.output
    assert run_repl(headless.tutor, screen) == 0
    assert prompts[:4] == [">>> ", ">>> ", "... ", "... "]
    assert headless.tutor.session.index == 2
    assert "tiny: 2/3 steps complete" in headless.out.getvalue()


# -- completion ------------------------------------------------------------------------------


@pytest.fixture
def prepared(headless: Headless) -> Iterator[Tutor]:
    tutor = headless.tutor
    tutor.prepare()
    tutor.enter_step()
    tutor.submit("features = torch.zeros(2, 3)")
    yield tutor


def _completions(completer: Any, text: str) -> list[str]:
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_tab_completes_names_and_attributes_from_the_learners_namespace(prepared: Tutor) -> None:
    completer = TutorCompleter(prepared)
    assert "features" in _completions(completer, "feat")
    assert "shape" in _completions(completer, "features.sh")
    assert {"rand", "randn"} <= set(_completions(completer, "torch.ra"))
    assert _completions(make_completer(prepared), "torch.zeros_l") == ["zeros_like"]


def test_completion_replaces_only_the_word_being_typed(prepared: Tutor) -> None:
    (completion,) = [
        c
        for c in TutorCompleter(prepared).get_completions(
            Document("y = features.resh"), CompleteEvent()
        )
        if c.text == "reshape"
    ]
    assert completion.start_position == -len("resh")


def test_percent_completes_the_tutors_commands(prepared: Tutor) -> None:
    assert _completions(TutorCompleter(prepared), "%hi") == ["%hint"]


# -- pieces ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("x = 1", True),
        ("def f(x):", False),
        ("def f(x):\n    return x", False),
        ("def f(x):\n    return x\n    ", True),  # the blank line, indent left by auto-indent
        ("x = (1,\n", False),  # an open bracket never runs, blank line or not
        ("a = 1\nb = 2", True),  # a paste of several statements
        ("a = 1\nfor i in range(3):\n    print(i)", False),  # its last block is still open
        ("a = 1\nfor i in range(3):\n    print(i)\n", True),
        ("x = = 1", True),  # a syntax error runs, so the worker explains it
        ("in place", True),  # an answer to a choice step
        ("%hint", True),
        ("", True),
    ],
)
def test_enter_runs_a_finished_input_and_otherwise_continues(text: str, runs: bool) -> None:
    assert enter_runs(text) is runs


def test_next_line_is_indented_after_a_colon_and_dedented_after_return() -> None:
    assert next_indent("def f(x):  # a comment") == "    "
    assert next_indent("    x = 1") == "    "
    assert next_indent("        return x") == "    "
    assert next_indent("s = '#:'") == ""


def test_exit_and_quit_leave_as_in_python() -> None:
    assert as_input("exit") == as_input("quit()") == as_input("%quit")
    assert as_input("   ") is None
    assert as_input("x = 1\n\n").code == "x = 1"  # type: ignore[union-attr]


def test_toolbar_fits_sixty_columns(headless: Headless) -> None:
    wide = toolbar_text(headless.tutor, 120)
    narrow = toolbar_text(headless.tutor, 60)
    assert "A tiny lesson · step 1 of 3" in wide and "F1 hint" in wide
    assert len(narrow) <= 60 and "1/3" in narrow and "F1 hint" in narrow


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_spinner_waits_draws_calmly_and_never_mixes_with_output() -> None:
    terminal = _Terminal()
    with Spinner(terminal, delay=0.05, interval=0.02) as spinner:
        time.sleep(0.3)
        spinner.write("done\n")
    text = terminal.getvalue()
    assert "running · 0 s · Ctrl-C stops" in text
    assert "\r\x1b[2Kdone\n" in text  # the spinner line is wiped before output is written
    assert spinner.frames_drawn <= 0.3 / 0.02 + 1
    assert text.endswith("\r\x1b[2K") or text.endswith("done\n")


def test_closing_the_terminal_or_kill_leaves_through_the_normal_exit() -> None:
    # An exception, not sudden death: prompt-toolkit restores the terminal as it unwinds.
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped, leaving_on_hangup():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this at once
    assert stopped.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_lesson_menu_returns_the_chosen_lesson() -> None:
    store = SQLiteStore(Path(os.environ["TUTOR_HOME"]) / "menu.sqlite3")
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(ENTER)
        assert choose_lesson_menu(store) == "lesson1"


def test_a_pasted_cell_is_judged_statement_by_statement() -> None:
    cell = "%matplotlib inline\nimport torch\n\nx = torch.ones(3)\ny = x * 2\n"
    items = as_inputs(cell)
    assert [i.command or i.code for i in items] == [
        "%matplotlib inline",
        "import torch",
        "x = torch.ones(3)",
        "y = x * 2",
    ]
    assert [i.code for i in as_inputs("def f():\n    return 1\n\n")] == ["def f():\n    return 1"]


# -- cells behave as in a notebook -------------------------------------------------------------


def test_a_pasted_cell_stops_at_its_first_error_and_says_so(headless: Headless) -> None:
    cell = "x = torch.ones(3)\nnot_defined + 1\nprint('after the error')\n"
    _, screen = headless.run(PASTE_START + cell + PASTE_END + ENTER + CTRL_D)
    assert "NameError: name 'not_defined' is not defined" in screen
    assert "after the error" not in screen
    assert "The rest of the cell (1 more line) did not run" in screen


def test_a_cells_output_and_verdict_come_before_the_next_steps_text(headless: Headless) -> None:
    cell = "x = torch.ones(3)\nprint('cell output')\n"
    _, screen = headless.run(PASTE_START + cell + PASTE_END + ENTER + CTRL_D)
    output, verdict, next_step = (
        screen.index("cell output"),
        screen.index("✓ x: shape (3,)"),
        screen.index("step 2 of 3"),
    )
    assert verdict < next_step and output < next_step


def test_a_failing_cell_gets_one_verdict_and_one_attempt(headless: Headless) -> None:
    cell = "x = torch.ones(4)\nx = x * 2\nprint(x.shape)\n"
    _, screen = headless.run(PASTE_START + cell + PASTE_END + ENTER + CTRL_D)
    assert screen.count("✗") == 1
    assert headless.tutor.session.records[0].attempts == 1


def test_an_open_bracket_is_pointed_out_after_two_empty_lines(headless: Headless) -> None:
    keys = "x = torch.ones(" + ENTER + "3" + ENTER + ENTER + ENTER + ")" + ENTER + CTRL_D
    _, screen = headless.run(keys)
    assert "on line 1 is still open" in screen
    assert headless.tutor.session.index == 1  # closing it ran the input, which passed


def test_the_toolbar_says_which_key_runs_an_input_of_several_lines(headless: Headless) -> None:
    text = toolbar_text(headless.tutor, 100, editing_lines=True)
    assert "Enter: new line" in text and "Esc Enter: run" in text
    assert "F1 hint" in toolbar_text(headless.tutor, 100)


def test_a_method_shown_without_its_call_gets_a_note_after_its_output(headless: Headless) -> None:
    _, screen = headless.run("x = torch.ones(3)" + ENTER + "x.numpy" + ENTER + CTRL_D)
    shown = screen[screen.index("<built-in method numpy of Tensor object") :]
    assert shown.splitlines()[1] == (
        "x.numpy is the method itself, not its result; call it: x.numpy()."
    )
