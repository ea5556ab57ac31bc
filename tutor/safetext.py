"""Text from a lesson file, made safe to show on a terminal.

A lesson file comes from anyone. Its text must never drive the terminal: an escape sequence in a
key could erase the real error and print "1 lesson file valid." instead. ``printable`` writes
every control character as a visible escape; newlines and tabs stay as they are::

    printable("bad\\x1b[2Kkey")   # -> 'bad\\\\x1b[2Kkey', shown as bad\\x1b[2Kkey

Rich markup is a separate matter: lesson text is drawn as ``rich.text.Text`` (never parsed as
markup), so ``x[mask]`` shows as ``x[mask]``.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (0x9b starts a sequence on some terminals),
# and the bidirectional overrides that can make code read differently from how it runs.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, lines: bool = True) -> str:
    """``text`` with each control character written as its escape (``\\x1b``, ``\\u202e``).

    ``lines=False`` escapes newlines too, for text that must stay on one line.
    """
    text = _UNSAFE.sub(_escape, text)
    return text if lines else text.replace("\n", "\\n")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
