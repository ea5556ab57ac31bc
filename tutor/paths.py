"""Where tutor keeps the learner's files: progress, history, downloaded data sets."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """``$TUTOR_HOME`` when set, else the platform's user data folder for tutor."""
    override = os.environ.get("TUTOR_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tutor", appauthor=False))
