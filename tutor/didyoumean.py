"""A suggestion for a misspelt word, shared by lesson validation and the ``%`` commands.

did_you_mean("hint", ["hints", "title"])   # -> " (did you mean 'hints'?)"
did_you_mean("zzz", ["hints"])             # -> ""
"""

from __future__ import annotations

import difflib


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'hints'?)`` when a close choice exists, else an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
