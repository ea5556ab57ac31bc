"""Turning a stream of lines into inputs, the way Python's interactive console does.

    for item in read_inputs(sys.stdin):
        item.command   # "%hint" style tutor command, or ""
        item.code      # a complete statement or block

A simple statement runs when complete. A compound statement (``def``, ``for``, ``class``) ends at a
blank line, except that a blank line followed by an indented line stays inside the block, since
code copied from a notebook has blank lines inside class bodies. A new unindented statement right
after a block also ends it, as a notebook cell would allow.
"""

from __future__ import annotations

import codeop
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Input:
    code: str = ""
    command: str = ""


def completeness(source: str, mode: str = "single") -> str:
    """``"complete"``, ``"incomplete"`` or ``"invalid"`` for ``source`` typed at a console.

    ``mode="exec"`` judges several statements at once (a paste) rather than one.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = codeop.compile_command(source, "<input>", mode)
        except (SyntaxError, ValueError, OverflowError):
            return "invalid"
    return "incomplete" if code is None else "complete"


def is_command(line: str) -> bool:
    return line.lstrip().startswith("%")


def _indented(line: str) -> bool:
    return bool(line.strip()) and line[:1] in (" ", "\t")


class _Lines:
    """Lines read lazily with one line of lookahead, so a live pipe is answered as it is typed."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._source = iter(lines)
        self._ahead: list[str] = []

    def next(self) -> str | None:
        line = self._ahead.pop() if self._ahead else next(self._source, None)
        return None if line is None else line.rstrip("\r\n")

    def peek(self) -> str:
        if not self._ahead:
            line = next(self._source, None)
            if line is None:
                return ""
            self._ahead.append(line)
        return self._ahead[-1].rstrip("\r\n")


def read_inputs(lines: Iterable[str]) -> Iterator[Input]:
    """Group ``lines`` into complete inputs and ``%`` commands."""
    stream = _Lines(lines)
    buffer: list[str] = []
    while (line := stream.next()) is not None:
        if not buffer:
            if not line.strip():
                continue
            if is_command(line):
                yield Input(command=line.strip())
                continue
        if buffer and completeness("\n".join(buffer)) == "incomplete" and _ends_block(buffer, line):
            yield Input(code="\n".join(buffer))
            buffer = []
            if is_command(line):
                yield Input(command=line.strip())
                continue
        if not line.strip() and buffer:
            if _indented(stream.peek()) or _inside_brackets_or_string(buffer):
                buffer.append(line)  # a blank line inside a block pasted from a notebook
                continue
            yield Input(code="\n".join(buffer))
            buffer = []
            continue
        buffer.append(line)
        state = completeness("\n".join(buffer))
        if state == "complete":  # compound statements stay incomplete until a blank line
            yield Input(code="\n".join(buffer))
            buffer = []
        elif state == "invalid":
            yield Input(code="\n".join(buffer))  # the worker reports the error
            buffer = []
    if buffer:
        yield Input(code="\n".join(buffer))


def _inside_brackets_or_string(buffer: list[str]) -> bool:
    """A blank line can't end an open bracket or string, as it ends a ``def`` block."""
    return completeness("\n".join(buffer) + "\n\n") == "incomplete"


def _ends_block(buffer: list[str], line: str) -> bool:
    """A non-blank, unindented line after an open block starts a new statement."""
    if not line.strip() or _indented(line):
        return False
    if completeness("\n".join([*buffer, line])) != "invalid":
        return False  # `else:`, `except:`, a closing bracket... still belong to the block
    return completeness("\n".join(buffer) + "\n\n") == "complete"
