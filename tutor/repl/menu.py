"""Choosing a lesson when ``tutor start`` is given none and there is no lesson to resume.

    name = choose_lesson_menu(store)          # "lesson1", or None if the learner backed out

An arrow-key menu where the terminal can draw one, else a numbered list read with ``input()``.
"""

from __future__ import annotations

import shutil
import sys

from prompt_toolkit.shortcuts import choice
from prompt_toolkit.utils import is_dumb_terminal

from tutor.catalog import lesson_rows
from tutor.progress import ProgressStore


def choose_lesson_menu(store: ProgressStore, plain: bool = False) -> str | None:
    """Ask which built-in lesson to take, showing each one's progress; None if none is chosen.

    ``plain`` (or a dumb terminal) asks for a number instead of drawing an arrow-key menu.
    """
    rows = lesson_rows(store)
    if not rows:
        print("No lessons are installed.", file=sys.stderr)
        return None
    if plain or is_dumb_terminal():
        return _choose_by_number(rows)
    width = shutil.get_terminal_size().columns - 10  # the menu's "  >  1. " margin
    options = [(lesson, _menu_label(title, progress, width)) for lesson, title, progress in rows]
    try:
        return choice("Which lesson? (arrows and Enter; Ctrl-C leaves)", options=options)
    except (KeyboardInterrupt, EOFError):
        return None


def _menu_label(title: str, progress: str, width: int) -> str:
    """``Tensors in PyTorch · 3/12 done``, shortened to fit: the menu cuts, never wraps."""
    label = f"{title} · {progress}"
    if len(label) > width:
        label = f"{title} · {progress.split(' (')[0]}"  # "not started (12 steps)" -> "not started"
    return label if len(label) <= width else label[: max(width - 1, 1)] + "…"


def _choose_by_number(rows: list[tuple[str, str, str]]) -> str | None:
    for number, (_, title, progress) in enumerate(rows, start=1):
        print(f"  {number}) {title} · {progress}")
    while True:
        try:
            answer = input("Which lesson? (number, Enter for 1) ").strip()
        except (KeyboardInterrupt, EOFError):
            print()
            return None
        if not answer:
            return rows[0][0]
        if answer.isdigit() and 1 <= int(answer) <= len(rows):
            return rows[int(answer) - 1][0]
        if answer in {lesson for lesson, _, _ in rows}:
            return answer
