"""The bottom toolbar: where the learner is, and the keys worth knowing.

    toolbar_text(tutor, width=100)
    # -> " Tensors in PyTorch · step 3 of 12 · cpu │ F1 hint  F2 vars  F3 step  Ctrl-D leave "
    toolbar_text(tutor, width=60)
    # -> " lesson1 · 3/12 · cpu │ F1 hint F2 vars F3 step ^D leave "

The longest version that fits the terminal's width is shown; nothing wraps at 60 columns.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application.current import get_app_or_none
from prompt_toolkit.formatted_text import StyleAndTextTuples

from tutor.commands import FUNCTION_KEYS
from tutor.engine import Tutor

_EACH_KEY = [f"{key} {command}" for key, command in FUNCTION_KEYS.items()]
# The keys worth knowing, from the most to the least said.
_KEYS = (
    "  ".join([*_EACH_KEY, "Ctrl-D leave"]),
    " ".join([*_EACH_KEY, "^D leave"]),
    " ".join(_EACH_KEY),
    _EACH_KEY[0],
)


def _places(tutor: Tutor) -> tuple[str, ...]:
    """Where the learner is, from the most to the least said."""
    lesson, session = tutor.lesson, tutor.session
    # ``kernel.info`` rather than ``tutor.device``: a redraw must never wait for a new worker.
    info = tutor.kernel.info
    device = f" · {info.device}" if info is not None else ""
    total = len(lesson.steps)
    if session.finished:
        return (f"{lesson.title} · complete", f"{lesson.id} · complete")
    k = session.index + 1
    return (
        f"{lesson.title} · step {k} of {total}{device}",
        f"{lesson.id} · step {k} of {total}{device}",
        f"{lesson.id} · {k}/{total}{device}",
        f"{lesson.id} · {k}/{total}",
    )


# While an input of several lines is edited, what Enter does is what matters.
_EDITING_KEYS = ("Enter: new line  Esc Enter: run", "Esc Enter runs")


def toolbar_text(tutor: Tutor, width: int, editing_lines: bool = False) -> str:
    """The toolbar's text for a terminal ``width`` columns wide; ``editing_lines``: the input
    being typed has several lines (then the toolbar says which key runs it)."""
    places = _places(tutor)
    keys_said = _EDITING_KEYS if editing_lines else _KEYS
    # Where the learner is (with the device) matters more than the long spelling of the keys.
    preferred = [(place, keys) for keys in keys_said[:2] for place in places[:3]]
    every = [(place, keys) for keys in keys_said for place in places]
    for place, keys in preferred + every:
        text = f" {place} │ {keys} "
        if len(text) <= width:
            return text
    return f" {places[-1]} "[:width]


def make_toolbar(tutor: Tutor) -> Callable[[], StyleAndTextTuples]:
    """A ``bottom_toolbar`` callable for ``PromptSession``, sized to the terminal at each redraw."""

    def toolbar() -> StyleAndTextTuples:
        app = get_app_or_none()
        width = app.output.get_size().columns if app is not None else 80
        editing_lines = app is not None and "\n" in app.current_buffer.text
        return [("class:bottom-toolbar.text", toolbar_text(tutor, width, editing_lines))]

    return toolbar
