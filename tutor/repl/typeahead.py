"""Keys typed while learner code runs wait, as typed, for the next prompt.

    with keys_wait(session.input):        # from the end of one prompt to the next
        handle_input(flow, items)         # Ctrl-C still stops the running code
    session.prompt(">>> ")                # reads the waiting keys: a line and Enter runs it,
                                          # Ctrl-D leaves as it does at any prompt

Between prompts the terminal is back in its normal (cooked) mode, and there the tty's line
discipline gets each key first: it echoes keys into the running code's output, turns Enter
into a newline and Ctrl-D on an empty line into an end-of-file mark, which prompt-toolkit's raw
mode then reads as a NUL (Ctrl-@), so a learner's Ctrl-D during a long training run was lost;
Ctrl-Z stopped the whole tutor and Ctrl-\\ killed it. Here the terminal takes keys as
prompt-toolkit's own raw mode does (no echo, no line editing, no CR to NL, no XON/XOFF), so the
bytes wait in the terminal's input queue exactly as the prompt would have read them; but ISIG
stays on, with Ctrl-C its only signal key, so Ctrl-C still interrupts the learner's code.
(ptpython and IPython run code in cooked mode and lose the same keys; prompt-toolkit's own
``prompt_toolkit.input.typeahead`` keeps only keys it had already read past an accepted input.)
"""

from __future__ import annotations

import contextlib
import os
import termios
from collections.abc import Iterator
from typing import Any, Protocol

# tcgetattr's list: iflag, oflag, cflag, lflag, ispeed, ospeed, cc
IFLAG, LFLAG, CC = 0, 3, 6
TerminalModes = list[Any]  # as termios.tcgetattr gives them

# Ctrl-Z (suspend) and Ctrl-\ (quit, with a core dump): at the prompt they are plain keys, and
# while code runs they would stop or kill the front and leave the worker running.
_OTHER_SIGNAL_KEYS = [termios.VSUSP, termios.VQUIT]


class HasFileno(Protocol):
    def fileno(self) -> int: ...


def running_mode(modes: TerminalModes, disabled: int = 0) -> TerminalModes:
    """The terminal ``modes`` (from ``termios.tcgetattr``) changed for while code runs.

    ``disabled`` is the terminal's "no key" value (``_POSIX_VDISABLE``) for the signal keys
    turned off.
    """
    changed = list(modes)
    changed[IFLAG] = int(modes[IFLAG]) & ~(
        termios.IXON | termios.IXOFF | termios.ICRNL | termios.INLCR | termios.IGNCR
    )
    lflag = int(modes[LFLAG])
    changed[LFLAG] = (lflag & ~(termios.ECHO | termios.ICANON | termios.IEXTEN)) | termios.ISIG
    keys = list(modes[CC])
    keys[termios.VMIN], keys[termios.VTIME] = 1, 0
    for signal_key in _OTHER_SIGNAL_KEYS:
        keys[signal_key] = bytes([disabled])
    changed[CC] = keys
    return changed


@contextlib.contextmanager
def keys_wait(terminal: HasFileno | None) -> Iterator[None]:
    """Inside the block, keys typed on ``terminal`` wait for the next prompt (see the module).

    Does nothing when ``terminal`` is not a terminal (a pipe, a test's pipe input).
    """
    fd = _terminal_fd(terminal)
    if fd is None:
        yield
        return
    try:
        before = termios.tcgetattr(fd)
        termios.tcsetattr(fd, termios.TCSANOW, running_mode(before, _no_key(fd)))
    except termios.error:
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(termios.error):  # the terminal may be gone (a hangup)
            termios.tcsetattr(fd, termios.TCSANOW, before)


def _terminal_fd(terminal: HasFileno | None) -> int | None:
    if terminal is None:
        return None
    try:
        fd = terminal.fileno()
    except (AttributeError, OSError, ValueError, NotImplementedError):
        return None
    return fd if os.isatty(fd) else None


def _no_key(fd: int) -> int:
    """The value that turns a special key off on this terminal (0 on Linux, 255 on macOS)."""
    try:
        value = os.fpathconf(fd, "PC_VDISABLE")
    except (OSError, ValueError):
        return 0
    return value if 0 <= value <= 255 else 0
