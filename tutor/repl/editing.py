"""What Enter does at the REPL: run the input, or start a new line with the right indent.

    enter_runs("x = 1")                          # -> True: a finished statement runs
    enter_runs("def f(x):")                      # -> False: the block has only begun
    enter_runs("def f(x):\\n    return x\\n")    # -> True: a blank line ends a block
    next_indent("def f(x):")                     # -> "    "
    as_input("%hint")                            # -> Input(command="%hint")

The rules are Python's console rules (``tutor.inputs.completeness``), extended for input that
holds several statements at once, as a block pasted from a notebook does.
"""

from __future__ import annotations

from tutor.inputs import Input, completeness, is_command, read_inputs

INDENT = "    "
LEAVE_WORDS = frozenset({"exit", "quit", "exit()", "quit()"})
# After these the block is over, so the next line goes back one level (as IPython does).
_DEDENT_AFTER = ("pass", "return", "raise", "break", "continue")


def enter_runs(text: str) -> bool:
    """Whether Enter at the end of ``text`` runs it; otherwise it inserts a new line.

    A statement runs as soon as it is complete; a compound statement (``def``, ``for``) runs
    after a blank line; an unclosed bracket or string never runs. A syntax error runs too, so
    that the worker explains it (at a choice step, such text is the learner's answer).
    """
    stripped = text.strip()
    if not stripped:
        return True
    if "\n" not in stripped and (is_command(stripped) or stripped in LEAVE_WORDS):
        return True
    lines = text.split("\n")
    blank_last = len(lines) > 1 and not lines[-1].strip()
    # A last line of only spaces (left by auto-indent) counts as the blank line that ends a block.
    source = "\n".join(lines[:-1]) + "\n" if blank_last else text
    single = completeness(source)
    if single != "invalid":
        return single == "complete"
    # Not one statement: several (a paste), or a syntax error. Judge it as a module would be.
    several = completeness(source, mode="exec")
    if several == "incomplete":
        return False
    if several == "complete":
        # The last statement may be a block still being typed: wait for its blank line.
        return blank_last or not lines[-1][:1].isspace()
    return True


def unclosed_bracket(text: str) -> tuple[str, int] | None:
    """The first bracket still open at the end of ``text`` and its line (from 1), or None.

    Brackets inside strings and comments do not count.
    """
    closing = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        quote = ""
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char in "([{":
                stack.append((char, number))
            elif char in closing and stack and stack[-1][0] == closing[char]:
                stack.pop()
    return stack[0] if stack else None


def next_indent(line: str) -> str:
    """The indent for the line after ``line``: one level deeper after ``:``, one less after
    ``return`` or ``pass``, else the same."""
    indent = line[: len(line) - len(line.lstrip())]
    code = _without_comment(line).rstrip()
    if code.endswith(":"):
        return indent + INDENT
    words = code.split()
    if words and words[0] in _DEDENT_AFTER:
        return indent[: max(len(indent) - len(INDENT), 0)]
    return indent


def _without_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` inside quotes is kept)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def as_input(text: str) -> Input | None:
    """The ``Input`` that the REPL's text stands for; None for a blank line.

    ``%hint`` is a command; ``exit`` and ``quit`` (with or without ``()``) leave, as in Python.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if "\n" not in stripped and is_command(stripped):
        return Input(command=stripped)
    if stripped in LEAVE_WORDS:
        return Input(command="%quit")
    # Trailing blank lines (the one that ended a block) are not part of the code.
    return Input(code=text.rstrip())


def as_inputs(text: str) -> list[Input]:
    """The inputs the REPL's text stands for, in order.

    A pasted notebook cell of several statements becomes one input per statement, read exactly
    as piped input is: each is judged in turn, so a cell that completes two steps completes both
    (and a `%matplotlib` line in it is a command, not a syntax error).
    """
    single = as_input(text)
    if single is None or single.command or "\n" not in single.code:
        return [single] if single is not None else []
    return list(read_inputs(text.splitlines(keepends=True)))
