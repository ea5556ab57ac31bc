"""The real `tutor` binary in a pseudo-terminal, driven as a learner would through lesson 1.

What the screen shows is read as text with the terminal's escape sequences removed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\x1b\][^\x07]*\x07")
ENTER, F1, CTRL_C, CTRL_D = "\r", "\x1bOP", "\x03", "\x04"
CURSOR_QUERY = "\x1b[6n"


class Terminal:
    """`tutor start ...` in a 100x40 pseudo-terminal; ``wait_for`` reads until text appears."""

    def __init__(self, home: Path, *args: str, rows: int = 40, columns: int = 100) -> None:
        self.rows = rows
        command = shutil.which("tutor") or sys.executable
        argv = list(args) if shutil.which("tutor") else ["-m", "tutor", *args]
        env = dict(os.environ, TUTOR_HOME=str(home), TERM="xterm-256color")
        env.pop("NO_COLOR", None)  # the learner's terminal: colours and all
        self.child = pexpect.spawn(
            command, argv, env=env, dimensions=(rows, columns), encoding="utf-8", timeout=60
        )
        self.seen = ""  # everything shown so far, escape sequences removed
        self.cursor = 0  # where the next wait_for starts looking

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        """Read until ``text`` appears after the last text waited for, as pexpect's ``expect``
        does; return the screen's text from there up to and including ``text``."""
        deadline = time.monotonic() + timeout
        while (found := self.seen.find(text, self.cursor)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen showed:\n{self.seen}")
            try:
                chunk = self.child.read_nonblocking(65536, timeout=0.2)
            except pexpect.TIMEOUT:
                continue
            if CURSOR_QUERY in chunk:
                # prompt-toolkit asks where the cursor is before it draws the toolbar; a real
                # terminal answers, so do we: the bottom row, as after a screenful of text.
                self.child.send(f"\x1b[{self.rows};1R")
            self.seen += ANSI.sub("", chunk)
        shown, self.cursor = self.seen[self.cursor : found + len(text)], found + len(text)
        return shown

    def type(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF, timeout=30)
        self.seen += ANSI.sub("", self.child.before or "")
        self.child.close()
        return int(self.child.exitstatus or 0)


@pytest.mark.slow
def test_lesson1_first_steps_in_a_real_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    term = Terminal(home, "start", "lesson1")
    shown = term.wait_for("F1 hint")  # the toolbar: the prompt is up
    assert "Tensors in PyTorch · step 1 of 12" in shown
    assert "How many dimensions" in shown and "3) 3" in shown

    term.type("3" + ENTER)
    shown = term.wait_for("step 2 of 12")
    assert "✓ Correct." in shown
    term.wait_for("F1 hint")

    # Enter after the colon indents the next line; a blank line runs the function.
    term.type("def activation(x):" + ENTER)
    term.type("return 1 / (1 + torch.exp(-x))" + ENTER + ENTER)
    shown = term.wait_for("step 3 of 12")
    assert "✓ activation matches the solution" in shown
    term.wait_for("Given (runs now):")
    term.wait_for("features = torch.randn((1, 5))")
    term.wait_for("F1 hint")

    term.type(F1)
    term.wait_for("Hint 1 of ")
    term.wait_for("multiplies the elements pairwise")
    term.type("y = activation(torch.sum(features * weights) + bias)" + ENTER)
    shown = term.wait_for("step 4 of 12")
    assert "value 0.1595" in shown

    term.wait_for("F1 hint")

    # Ctrl-C from the terminal stops the learner's endless loop; their variables stay.
    term.type("n = 41" + ENTER + "while True: pass" + ENTER + ENTER)
    term.wait_for("running · 1 s · Ctrl-C stops")  # the calm spinner, after a second
    term.type(CTRL_C)
    term.wait_for("KeyboardInterrupt: stopped. Your variables keep the values they had then.")
    term.type("print(n + 1)" + ENTER)
    term.wait_for("42")

    term.wait_for("F1 hint")
    term.type(CTRL_D)
    assert term.finish() == 0
    assert "lesson1: 3/12 steps complete" in term.seen

    # Leaving kept the progress: `tutor start` alone continues where the learner left off.
    again = Terminal(home, "start")
    shown = again.wait_for("F1 hint")
    assert "Welcome back: continuing at step 4 of 12." in shown
    again.type("%quit" + ENTER)
    assert again.finish() == 0


@pytest.mark.slow
def test_back_restores_the_earlier_step_and_export_writes_the_work(tmp_path: Path) -> None:
    home = tmp_path / "home"
    term = Terminal(home, "start", "lesson1")
    term.wait_for("F1 hint")
    term.type("3" + ENTER)
    term.wait_for("step 2 of 12")
    term.wait_for("F1 hint")
    term.type("def activation(x):" + ENTER + "return 1 / (1 + torch.exp(-x))" + ENTER + ENTER)
    term.wait_for("step 3 of 12")
    term.wait_for("F1 hint")
    term.type("activation = None" + ENTER)  # spoil it at step 3...
    term.wait_for("F1 hint")
    term.type("%back" + ENTER)  # ...and go back: step 2 as it began, before `activation`
    term.wait_for("step 2 of 12")
    term.wait_for("F1 hint")
    term.type("'activation' in dir()" + ENTER)
    shown = term.wait_for("False")
    assert "step 3 of 12" not in shown  # looking around did not move on
    term.type("%quit" + ENTER)
    assert term.finish() == 0

    exported = tmp_path / "work"
    command = shutil.which("tutor") or sys.executable
    argv = ["export", "lesson1", "--to", str(exported)]
    argv = argv if shutil.which("tutor") else ["-m", "tutor", *argv]
    env = dict(os.environ, TUTOR_HOME=str(home))
    done = subprocess.run([command, *argv], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "def activation(x):" in (exported / "lesson1.py").read_text()
    assert (exported / "lesson1.ipynb").is_file()


RUN_TWO_SECONDS = "import time; time.sleep(2)" + ENTER


@pytest.mark.slow
def test_ctrl_d_typed_while_code_runs_leaves_at_the_next_prompt(tmp_path: Path) -> None:
    home = tmp_path / "home"
    term = Terminal(home, "start", "lesson1")
    term.wait_for("F1 hint")
    term.type("3" + ENTER)
    term.wait_for("step 2 of 12")
    term.wait_for("F1 hint")

    term.type(RUN_TWO_SECONDS)
    term.wait_for("running · 1 s")  # the code is still running...
    term.type(CTRL_D)  # ...when the learner presses Ctrl-D: once it ends, they leave
    assert term.finish() == 0
    assert "lesson1: 1/12 steps complete" in term.seen
    assert "Your progress is saved: tutor start continues from here." in term.seen

    again = Terminal(home, "start")
    assert "Welcome back: continuing at step 2 of 12." in again.wait_for("F1 hint")
    again.type("%quit" + ENTER)
    assert again.finish() == 0


@pytest.mark.slow
def test_a_line_typed_while_code_runs_runs_after_it(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "home", "start", "lesson1")
    term.wait_for("F1 hint")
    term.type(RUN_TWO_SECONDS)
    term.wait_for("running · 1 s")
    term.type("print(6 * 7)" + ENTER)
    shown = term.wait_for("42")
    # Not echoed over the running line: it appears only at the next prompt (which a loaded
    # machine may draw twice), then runs.
    places = [i for i in range(len(shown)) if shown.startswith("print(6 * 7)", i)]
    assert places and all(shown[i - 4 : i] == ">>> " for i in places), shown[-400:]
    term.wait_for("F1 hint")
    term.type("%quit" + ENTER)
    assert term.finish() == 0
