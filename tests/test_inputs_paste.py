"""A long paste in piped mode is read in linear time and grouped exactly as line by line.

The old reader compiled the growing buffer on every line: 5,000 pasted lines took 116 s. Speed
itself is measured in ``bench/bench_inputs.py``; here the work is counted (characters compiled),
and the new grouping is compared with the old one, kept below as the reference.
"""

from __future__ import annotations

import codeop
from collections.abc import Iterable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor import inputs
from tutor.inputs import Input, completeness, read_inputs


def codes(lines: Iterable[str]) -> list[str]:
    return [item.code or item.command for item in read_inputs(lines)]


PASTES = {
    "a function": ["def f():\n", *(f"    x{i} = {i}\n" for i in range(5000)), "\n"],
    "a dict literal": ["d = {\n", *(f"    'k{i}': {i},\n" for i in range(5000)), "}\n"],
    "a class with blank lines": [
        "class A:\n",
        *(f"    def m{i}(self):\n        return {i}\n\n" for i in range(1700)),
        "\n",
    ],
    "a docstring": ['text = """\n', *(f"line {i}\n" for i in range(5000)), '"""\n'],
}


@pytest.mark.parametrize("name", PASTES)
def test_a_5000_line_paste_is_compiled_a_bounded_number_of_times(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = []
    original = codeop.compile_command

    def counting(source: str, filename: str = "<input>", symbol: str = "single") -> object:
        compiled.append(len(source))
        return original(source, filename, symbol)

    monkeypatch.setattr(codeop, "compile_command", counting)
    lines = PASTES[name]
    assert len(codes(lines)) == 1
    pasted = sum(len(line) for line in lines)
    # Line by line this was over 2,000 times the paste; doubling checks keep it a small multiple.
    assert sum(compiled) < 10 * pasted


def test_an_error_deep_in_a_long_block_ends_the_input_at_that_line() -> None:
    body = [f"    x{i} = {i}\n" for i in range(300)]
    body[200] = "    x = = 1\n"
    lines = ["def f():\n", *body, "\n", "y = 2\n"]
    got = codes(lines)
    assert got[0] == "".join(["def f():\n", *body[:201]]).rstrip("\n")
    assert got == reference(lines)


# -- the old reader, line by line: the reference the new one must agree with -------------------


def reference(lines: Iterable[str]) -> list[str]:
    return [item.code or item.command for item in _old_read_inputs(lines)]


def _old_read_inputs(lines: Iterable[str]) -> Iterator[Input]:
    source = iter(lines)
    ahead: list[str] = []

    def next_line() -> str | None:
        line = ahead.pop() if ahead else next(source, None)
        return None if line is None else line.rstrip("\r\n")

    def peek() -> str:
        if not ahead:
            line = next(source, None)
            if line is None:
                return ""
            ahead.append(line)
        return ahead[-1].rstrip("\r\n")

    buffer: list[str] = []
    while (line := next_line()) is not None:
        if not buffer:
            if not line.strip():
                continue
            if inputs.is_command(line):
                yield Input(command=line.strip())
                continue
        if buffer and completeness("\n".join(buffer)) == "incomplete" and _old_ends(buffer, line):
            yield Input(code="\n".join(buffer))
            buffer = []
            if inputs.is_command(line):
                yield Input(command=line.strip())
                continue
        if not line.strip() and buffer:
            inside = completeness("\n".join(buffer) + "\n\n") == "incomplete"
            if inputs._indented(peek()) or inside:
                buffer.append(line)
                continue
            yield Input(code="\n".join(buffer))
            buffer = []
            continue
        buffer.append(line)
        state = completeness("\n".join(buffer))
        if state != "incomplete":
            yield Input(code="\n".join(buffer))
            buffer = []
    if buffer:
        yield Input(code="\n".join(buffer))


def _old_ends(buffer: list[str], line: str) -> bool:
    if not line.strip() or inputs._indented(line):
        return False
    if completeness("\n".join([*buffer, line])) != "invalid":
        return False
    return completeness("\n".join(buffer) + "\n\n") == "complete"


# Lines that open and close blocks, brackets and strings, right or wrong.
LINES = [
    "def f(x):",
    "class A:",
    "    def m(self):",
    "        return 1",
    "    x = 1",
    "        pass",
    "if x:",
    "else:",
    "try:",
    "except Exception:",
    "for i in range(3):",
    "x = 1",
    "y = [",
    "    1,",
    "]",
    "z = (1,",
    "     2)",
    "d = {'a': 1,",
    "     'b': '}'}",
    's = """',
    "text ' inside",
    '"""',
    "t = 'a\\",
    "b'",
    "u = 1 + \\",
    "    2",
    "# a comment with ( and '",
    "    # indented comment",
    "x = = 1",
    "print((1)",
    ")",
    "%hint",
    "  %skip",
    "",
    "",
    "    ",
    "@decorator",
    "f'{x}' + \"]\"",
    "\tx = 2",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=40), st.sampled_from([0, 1, 3, 32]))
def test_grouping_matches_compiling_every_line(lines: list[str], always: int) -> None:
    # `always` forces the doubling checks (and the search back) to happen on short inputs.
    saved = inputs._ALWAYS_CHECK_UP_TO
    inputs._ALWAYS_CHECK_UP_TO = always
    try:
        got = codes(line + "\n" for line in lines)
    finally:
        inputs._ALWAYS_CHECK_UP_TO = saved
    assert got == reference(line + "\n" for line in lines)
