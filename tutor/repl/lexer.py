"""Python highlighting as the learner types, in the colours the step screens use.

    PromptSession(lexer=python_lexer(), style=repl_style(plain=False))

The colours are the terminal's own ANSI colours (rich's ``ansi_dark`` theme, which draws the
given code and solutions), so typed code looks like the code on the step screen and stays
readable on light and dark backgrounds alike. ``plain`` (``NO_COLOR``) keeps only the layout.
"""

from __future__ import annotations

from prompt_toolkit.lexers import Lexer, PygmentsLexer
from prompt_toolkit.styles import BaseStyle, Style
from pygments.lexers.python import PythonLexer

# rich.syntax.ANSI_DARK, written in prompt_toolkit's colour names.
_CODE_COLOURS = {
    "pygments.comment": "italic ansibrightblack",
    "pygments.keyword": "ansibrightblue",
    "pygments.keyword.type": "ansibrightcyan",
    "pygments.operator.word": "ansibrightmagenta",
    "pygments.name.builtin": "ansibrightcyan",
    "pygments.name.function": "ansibrightgreen",
    "pygments.name.namespace": "underline ansibrightcyan",
    "pygments.name.class": "underline ansibrightgreen",
    "pygments.name.exception": "ansibrightcyan",
    "pygments.name.decorator": "bold ansibrightmagenta",
    "pygments.name.constant": "ansibrightred",
    "pygments.literal.string": "ansiyellow",
    "pygments.literal.number": "ansibrightblue",
    "pygments.error": "noinherit",  # `%hint` is not Python: don't paint the `%` as an error
}

_UI = {
    "prompt": "ansigreen bold",
    "continuation": "ansibrightblack",
    "bottom-toolbar": "noreverse bg:ansibrightblack ansiwhite",
    "bottom-toolbar.text": "",
}


def python_lexer() -> Lexer:
    """pygments' Python lexer, with its state kept between lines of a multi-line input."""
    return PygmentsLexer(PythonLexer)


def repl_style(plain: bool) -> BaseStyle:
    """The REPL's colours; with ``plain`` only reverse video marks the toolbar."""
    if plain:
        return Style.from_dict({"bottom-toolbar": "reverse", "prompt": "bold"})
    return Style.from_dict({**_CODE_COLOURS, **_UI})
