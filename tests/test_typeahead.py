"""Keys typed while learner code runs wait for the next prompt, in a real pseudo-terminal.

The pty's far end plays the learner's keyboard; the near end is the tutor's terminal, read the
way prompt-toolkit's prompt reads it (its own ``raw_mode``).
"""

from __future__ import annotations

import os
import select
import sys
import termios
import time
from collections.abc import Iterator

import pytest
from prompt_toolkit.input.vt100 import raw_mode

from tutor.repl.typeahead import keys_wait, running_mode

CTRL_C, CTRL_D, CTRL_Z, CTRL_BACKSLASH = b"\x03", b"\x04", b"\x1a", b"\x1c"


class Tty:
    """A pseudo-terminal: ``type`` on the keyboard side, ``prompt_reads`` on the tutor's."""

    def __init__(self) -> None:
        self.keyboard, self.fd = os.openpty()

    def fileno(self) -> int:
        return self.fd

    def type(self, keys: bytes) -> None:
        os.write(self.keyboard, keys)
        time.sleep(0.05)  # the line discipline handles keys as they arrive

    def prompt_reads(self) -> bytes:
        """What the next prompt reads: the waiting input, in prompt-toolkit's raw mode."""
        with raw_mode(self.fd):
            return _drain(self.fd)

    def echoed(self) -> bytes:
        """What the terminal itself wrote back to the screen."""
        return _drain(self.keyboard)


def _drain(fd: int) -> bytes:
    read = b""
    while select.select([fd], [], [], 0.2)[0]:
        read += os.read(fd, 4096)
    return read


@pytest.fixture
def tty() -> Iterator[Tty]:
    terminal = Tty()
    yield terminal
    os.close(terminal.fd)
    os.close(terminal.keyboard)


def test_keys_typed_while_code_runs_reach_the_next_prompt_as_typed(tty: Tty) -> None:
    with keys_wait(tty):
        tty.type(b"print(6 * 7)\r" + CTRL_D + CTRL_Z + CTRL_BACKSLASH)
        assert tty.echoed() == b""  # nothing drawn over the running code's output
    assert tty.prompt_reads() == b"print(6 * 7)\r" + CTRL_D + CTRL_Z + CTRL_BACKSLASH


@pytest.mark.skipif(sys.platform != "linux", reason="how Linux's line discipline keeps EOF")
def test_without_it_the_terminal_turns_ctrl_d_into_a_nul_and_enter_into_a_newline(
    tty: Tty,
) -> None:
    """Why the module exists: in the normal (cooked) mode the keys are echoed and changed."""
    tty.type(b"print(6 * 7)\r" + CTRL_D)
    assert b"print(6 * 7)" in tty.echoed()
    assert tty.prompt_reads() == b"print(6 * 7)\n\x00"


def test_ctrl_c_still_signals_while_code_runs_and_the_modes_come_back(tty: Tty) -> None:
    before = termios.tcgetattr(tty.fd)
    with pytest.raises(RuntimeError), keys_wait(tty):
        modes = termios.tcgetattr(tty.fd)
        raise RuntimeError("the learner's run ends badly")
    assert modes[3] & termios.ISIG and not modes[3] & (termios.ICANON | termios.ECHO)
    assert modes[6][termios.VINTR] == before[6][termios.VINTR] == CTRL_C
    assert (
        modes[6][termios.VSUSP]
        == modes[6][termios.VQUIT]
        == bytes([os.fpathconf(tty.fd, "PC_VDISABLE")])
    )
    assert termios.tcgetattr(tty.fd) == before


def test_running_mode_changes_only_how_keys_are_read() -> None:
    modes = [
        termios.ICRNL | termios.IXON,
        0o5,
        0o277,
        termios.ICANON | termios.ECHO,
        38400,
        38400,
        [b"\x00"] * 32,
    ]
    changed = running_mode(modes)
    assert changed[0] == 0 and changed[1:3] == modes[1:3] and changed[3] == termios.ISIG
    assert modes[3] == termios.ICANON | termios.ECHO  # the terminal's own modes, kept to restore


def test_a_pipe_is_left_alone() -> None:
    read, write = os.pipe()
    try:
        with keys_wait(_Fd(read)):
            os.write(write, b"x")
        assert os.read(read, 1) == b"x"
    finally:
        os.close(read)
        os.close(write)


class _Fd:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def fileno(self) -> int:
        return self.fd
