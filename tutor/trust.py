"""Lesson files run Python on the learner's machine: one from elsewhere is trusted once, knowingly.

    ensure_trusted(lesson, trust=False, ask=typer.confirm, show=typer.echo)

Built-in lessons are trusted. A lesson from any other file runs its `setup`, each step's
`given` and `solution` code and its check expressions with the learner's permissions, so the
first time it is shown (its path, what it runs, its setup code) and needs one confirmation,
remembered by the file's SHA-256 in the data folder: an edited file asks again. ``--trust``
skips the question, for scripts and CI; without a terminal to ask on, an untrusted file is
refused with a line that names ``--trust``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from tutor.lesson import Lesson
from tutor.paths import data_home
from tutor.safetext import printable
from tutor.yamlsource import MAX_FILE_BYTES

TRUSTED_FILE = "trusted-lessons.txt"  # lines of "<sha256>  <path>", as sha256sum writes them
_DIGEST = re.compile("[0-9a-f]{64}")


class NotTrusted(Exception):
    """The lesson file was not trusted: refused without a terminal, or declined."""


def ensure_trusted(
    lesson: Lesson,
    *,
    trust: bool,
    ask: Callable[[str], bool] | None,
    show: Callable[[str], None] = print,
) -> None:
    """Return if ``lesson`` may run; raise ``NotTrusted`` otherwise.

    ``ask`` puts a yes/no question to the learner; ``None`` means there is no one to ask
    (input is piped), so an untrusted file is refused.
    """
    path = lesson.source
    if path is None or trust or is_builtin(path):
        return
    digest = fingerprint(path)
    if digest in trusted_digests():
        return
    if ask is None:
        raise NotTrusted(
            f"{printable(str(path))} is a lesson file from outside tutor and runs Python on "
            "your machine; read it, then add --trust to run it"
        )
    show(notice(lesson))
    if not ask("Run this lesson?"):
        raise NotTrusted("the lesson was not run")
    remember(digest, path)


def notice(lesson: Lesson) -> str:
    """What the learner reads before trusting a lesson file."""
    lines = [
        "This lesson comes from a file, not from tutor:",
        f"  {printable(str(Path(str(lesson.source)).resolve()))}",
        "A lesson runs Python on your machine, with your permissions: its setup, each step's",
        "given code and solution, and its checks. Run it only if you trust where it came from.",
    ]
    if lesson.setup.strip():
        lines.append("Its setup code:")
        lines.extend(f"    {printable(line)}" for line in lesson.setup.rstrip().splitlines())
    else:
        lines.append("It has no setup code; each step's code runs when the step begins.")
    return "\n".join(lines)


def is_builtin(path: Path) -> bool:
    from tutor.catalog import builtin_dir

    return path.resolve().parent == builtin_dir().resolve()


def fingerprint(path: Path) -> str:
    """The SHA-256 of the file as it is now (read no further than a lesson may be long)."""
    with path.open("rb") as file:
        return hashlib.sha256(file.read(MAX_FILE_BYTES + 1)).hexdigest()


def trusted_digests() -> set[str]:
    try:
        text = (data_home() / TRUSTED_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {line[:64] for line in text.splitlines() if _DIGEST.fullmatch(line[:64])}


def remember(digest: str, path: Path) -> None:
    """Add the file's digest to the trusted list; a folder that can't be written only means
    the question is asked again next time."""
    try:
        data_home().mkdir(parents=True, exist_ok=True)
        with (data_home() / TRUSTED_FILE).open("a", encoding="utf-8") as file:
            name = printable(str(path.resolve())).replace("\n", "\\n")  # one line per file
            file.write(f"{digest}  {name}\n")
    except OSError:
        pass
