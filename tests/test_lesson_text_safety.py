"""Text from a lesson file never drives the terminal: no escape sequences, no rich markup.

`x[mask]` once showed as `x` (rich read `[mask]` as a style) and `[/]` crashed `tutor start`;
an escape sequence in a title could clear the learner's screen.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tutor.lesson import load_lesson
from tutor.render import Screen, make_console

LESSON = r"""
id: marked
title: "Masks [/] x[mask] \e[2J"
description: "Begins \e]0;owned\a here."
steps:
  - id: pick
    kind: choice
    title: "Pick [bold]one[/bold] \e[31m"
    text: "Which selects with a boolean tensor? \e[1A\e[2K"
    options:
      - "x[mask]"
      - {text: "[/]", why: "Closing [/] nothing. \e[8m"}
      - "x.where(mask)"
    answer: "x[mask]"
    explanation: "Indexing with `x[mask]` \e[5m keeps the True places."
  - id: code
    text: "Make `y` \u202e."
    given: "z = '[red]\e[2J'"
    solution: "y = 1"
    checks:
      - defined: y
    hints: ["Try `y = 1` [dim]\e[?1049h"]
"""


@pytest.fixture
def lesson(write_lesson):  # type: ignore[no-untyped-def]
    return load_lesson(write_lesson(LESSON))


def draw(lesson, plain: bool) -> str:  # type: ignore[no-untyped-def]
    file = io.StringIO()
    console = make_console(plain, width=100, file=file)
    if not plain:
        console = Console(file=file, width=100, force_terminal=True, color_system="standard")
    screen = Screen(console, plain=plain)
    screen.lesson_banner(lesson, "cpu", None)
    for index, step in enumerate(lesson.steps):
        screen.step(lesson, index)
        screen.given(step)
        for number, hint in enumerate(step.hints, start=1):
            screen.hint(hint, number, len(step.hints))
        screen.solution(step.solution)
    screen.choice(True, lesson.steps[0].explanation)
    screen.choice(False, lesson.steps[0].options[1].why)
    return file.getvalue()


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "terminal"])
def test_escape_sequences_from_a_lesson_are_shown_escaped(lesson, plain: bool) -> None:  # type: ignore[no-untyped-def]
    out = draw(lesson, plain)
    for sequence in ("\x1b[2J", "\x1b]0;", "\x1b[1A", "\x1b[8m", "\x1b[5m", "\x1b[?1049h", "\x07"):
        assert sequence not in out
    assert "\u202e" not in out
    assert "\\x1b[2J" in out and "\\x1b[?1049h" in out and "\\u202e" in out


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "terminal"])
def test_rich_markup_in_a_lesson_is_shown_literally(lesson, plain: bool) -> None:  # type: ignore[no-untyped-def]
    out = draw(lesson, plain)
    assert "Masks [/] x[mask]" in out  # the title, in the step's rule
    assert "1) x[mask]" in out and "2) [/]" in out
    assert "Pick [bold]one[/bold]" in out
    assert "[dim]" in out  # in a hint


def test_code_keeps_its_characters_to_run(lesson) -> None:  # type: ignore[no-untyped-def]
    # Only what is shown is escaped: the given code still runs with the real escape character.
    assert lesson.steps[1].given == "z = '[red]\x1b[2J'"


def test_starting_the_lesson_piped_never_crashes_on_markup(write_lesson, tutor_home: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import run_tutor

    path = write_lesson(LESSON)
    result = run_tutor("start", str(path), "--trust", home=tutor_home, stdin="2\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "1) x[mask]" in result.stdout and "2) [/]" in result.stdout
    assert "\x1b" not in result.stdout
