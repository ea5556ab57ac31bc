"""Turning a stream of lines into inputs, the way Python's interactive console does.

    for item in read_inputs(sys.stdin):
        item.command   # "%hint" style tutor command, or ""
        item.code      # a complete statement or block

A simple statement runs when complete. A compound statement (``def``, ``for``, ``class``) ends at a
blank line, except that a blank line followed by an indented line stays inside the block, since
code copied from a notebook has blank lines inside class bodies. A new unindented statement right
after a block also ends it, as a notebook cell would allow.

Reading is linear in the input's size: a 5,000-line paste is not recompiled on every line (see
``_Statement``), yet groups exactly as compiling it line by line would.
"""

from __future__ import annotations

import codeop
import re
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
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
            return "invalid"
    return "incomplete" if code is None else "complete"


def is_command(line: str) -> bool:
    return line.lstrip().startswith("%")


def _indented(line: str) -> bool:
    return bool(line.strip()) and line[:1] in (" ", "\t")


class _Lines:
    """Lines read lazily with lookahead, so a live pipe is answered as it is typed."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._source = iter(lines)
        self._ahead: list[str] = []  # a stack: the next line is last

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

    def push_back(self, lines: list[str]) -> None:
        """Read ``lines`` again, in order, before anything not yet read."""
        self._ahead.extend(reversed(lines))


# What can open or close a bracket or a string, or continue a line.
_SPECIAL = re.compile(r"[\"'#\\()\[\]{}]")


class _Brackets:
    """Whether the lines so far leave a bracket, a string or a backslash continuation open.

    A fast, incremental guess used to skip compiling lines that cannot end a statement. Where
    it guesses wrong (an odd f-string, say), ``_Statement`` still finds where the input ends,
    only later; one case differs from compiling every line: an unindented statement right after
    such a block joins the block (and the worker reports the syntax error).
    """

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""  # the open string's quote, '' outside strings
        self.continued = False  # the last line ended with a backslash

    @property
    def inside(self) -> bool:
        """Inside a bracket or a triple-quoted string: a blank line does not end the input."""
        return self.depth > 0 or len(self.quote) == 3

    @property
    def open(self) -> bool:
        """A line that ends this way cannot end a statement."""
        return self.inside or self.continued or bool(self.quote)

    def feed(self, line: str) -> None:
        self.continued = False
        position = 0
        while match := _SPECIAL.search(line, position):
            index, char = match.start(), match.group()
            position = index + 1
            if self.quote:
                if char == "\\":
                    position = index + 2  # the next character is escaped
                elif line.startswith(self.quote, index):
                    position = index + len(self.quote)
                    self.quote = ""
            elif char == "#":
                break
            elif char in "'\"":
                self.quote = char * 3 if line.startswith(char * 3, index) else char
                position = index + len(self.quote)
            elif char == "\\":
                self.continued = index == len(line) - 1
            elif char in "([{":
                self.depth += 1
            else:
                self.depth = max(self.depth - 1, 0)
        if len(self.quote) == 1 and position <= len(line):
            self.quote = ""  # a 'string' not continued by a backslash ends with its line


# Up to this many lines every line is compiled, so typed input is answered at once; beyond it a
# long block is compiled only each time it doubles (with a search back when it went wrong).
_ALWAYS_CHECK_UP_TO = 32


class _Statement:
    """The lines of one input being read, and what compiling them says.

    Compiling the whole buffer on every line is quadratic. Most lines cannot change the answer
    from "incomplete": a line inside a compound statement (only a blank line completes it) or
    one that leaves a bracket open. Those are compiled only when the buffer has doubled since
    the last check. Before the input is acted on, ``settle`` compiles it once more; if it
    stopped being incomplete at an unchecked line, a binary search finds that line, exactly
    where compiling every line would have stopped, and the lines after it are read again.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.checked = 0  # lines[:checked] is known to be incomplete
        self.ends: list[int] = []  # len(lines) after each line that was added (not blank)
        self.compound = False  # incomplete with no bracket open: a block, ended by a blank line
        self.brackets = _Brackets()

    def __bool__(self) -> bool:
        return bool(self.lines)

    @property
    def code(self) -> str:
        return "\n".join(self.lines)

    def add(self, line: str) -> str:
        """Append a line; return the state so far (``"incomplete"`` may not be checked yet)."""
        self.lines.append(line)
        self.brackets.feed(line)
        self.ends.append(len(self.lines))
        count = len(self.lines)
        can_complete = not self.compound and not self.brackets.open
        if can_complete or count <= _ALWAYS_CHECK_UP_TO or count >= 2 * self.checked:
            state = completeness(self.code)
            if state == "incomplete":
                self.checked = count
                self.compound = not self.brackets.open
            return state
        return "incomplete"

    def add_blank(self, line: str) -> None:
        self.lines.append(line)
        self.brackets.feed(line)

    def settle(self, last_incomplete: bool = True) -> list[str]:
        """Cut the lines back to where the input really stopped being incomplete, if it did.

        ``last_incomplete=False`` says compiling all the lines found them complete or invalid.
        Returns the lines cut off, to be read again.
        """
        unchecked = [end for end in self.ends if end > self.checked]
        if last_incomplete:
            if not unchecked or self._incomplete(unchecked[-1]):
                return []
        else:
            unchecked.pop()  # is not incomplete: was any line before it?
            if not unchecked or self._incomplete(unchecked[-1]):
                return []
        low, high = -1, len(unchecked) - 1  # unchecked[high] is not incomplete
        while high - low > 1:
            middle = (low + high) // 2
            if self._incomplete(unchecked[middle]):
                low = middle
            else:
                high = middle
        rest = self.lines[unchecked[high] :]
        del self.lines[unchecked[high] :]
        return rest

    def _incomplete(self, end: int) -> bool:
        return completeness("\n".join(self.lines[:end])) == "incomplete"


def read_inputs(lines: Iterable[str]) -> Iterator[Input]:
    """Group ``lines`` into complete inputs and ``%`` commands."""
    stream = _Lines(lines)
    buffer = _Statement()
    while (line := stream.next()) is not None:
        if not buffer:
            if not line.strip():
                continue
            if is_command(line):
                yield Input(command=line.strip())
                continue
        elif not line.strip():
            if _indented(stream.peek()) or _inside_brackets_or_string(buffer):
                buffer.add_blank(line)  # a blank line inside a block pasted from a notebook
                continue
            stream.push_back([*buffer.settle(), line])
            yield Input(code=buffer.code)
            buffer = _Statement()
            continue
        elif _ends_block(buffer, line):
            rest = buffer.settle()
            yield Input(code=buffer.code)
            buffer = _Statement()
            if rest:  # the input ended earlier than this line: read the others again
                stream.push_back([*rest, line])
                continue
            if is_command(line):
                yield Input(command=line.strip())
                continue
        if buffer.add(line) != "incomplete":  # complete, or invalid: the worker reports the error
            stream.push_back(buffer.settle(last_incomplete=False))
            yield Input(code=buffer.code)
            buffer = _Statement()
    if buffer:
        rest = buffer.settle()
        yield Input(code=buffer.code)
        if rest:
            yield from read_inputs(rest)


def _inside_brackets_or_string(buffer: _Statement) -> bool:
    """A blank line can't end an open bracket or string, as it ends a ``def`` block."""
    if buffer.brackets.inside:
        return True
    return completeness(buffer.code + "\n\n") == "incomplete"


def _ends_block(buffer: _Statement, line: str) -> bool:
    """A non-blank, unindented line after an open block starts a new statement."""
    if _indented(line) or buffer.brackets.open:
        return False  # inside a bracket or a string no new statement can begin
    if completeness(buffer.code + "\n" + line) != "invalid":
        return False  # `else:`, `except:`, a closing bracket... still belong to the block
    return completeness(buffer.code + "\n\n") == "complete"
