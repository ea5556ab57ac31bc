"""Where a lesson's checkpoints live: one file per step, the namespace as that step began, and
one for the lesson's end, the namespace as the learner reached it.

    path = checkpoint_path("lesson3", "train")   # <data folder>/checkpoints/lesson3/train.ckpt
    end = checkpoint_path("lesson3", None)       # <data folder>/checkpoints/lesson3/@end.ckpt
    clear_checkpoints("lesson3")                 # with the lesson's progress (`tutor reset`)

The worker writes and reads them (``tutor.kernel.checkpoint``); the folder is the learner's
alone (mode 0700, files 0600).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tutor.paths import data_home


def checkpoint_dir(lesson_id: str) -> Path:
    return data_home() / "checkpoints" / _safe(lesson_id)


# No step's file can have this name: ``_safe`` never leaves an "@" in a step's id.
END = "@end"


def checkpoint_path(lesson_id: str, step_id: str | None) -> Path:
    """Step ``step_id``'s checkpoint; ``None``: the lesson's end, after its last step."""
    name = END if step_id is None else _safe(step_id)
    return checkpoint_dir(lesson_id) / f"{name}.ckpt"


def clear_checkpoints(lesson_id: str) -> None:
    shutil.rmtree(checkpoint_dir(lesson_id), ignore_errors=True)


def clear_all_checkpoints() -> None:
    shutil.rmtree(data_home() / "checkpoints", ignore_errors=True)


def _safe(name: str) -> str:
    """A file name for an id from a lesson file (which may hold any characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".")
    return cleaned or "_"
