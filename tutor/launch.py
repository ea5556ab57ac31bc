"""The ``tutor`` command's entry point: for ``tutor start``, the worker starts first of all.

Starting the worker here, before Typer, the lesson and the check library load in this process,
overlaps all of that with torch's import in the worker (``tutor.early``); ``tutor.cli`` then
parses the command and takes the waiting worker.
"""

from __future__ import annotations

import sys

from tutor.early import close_unused, start_early


def _option(argv: list[str], name: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["start"] and not {"--help", "-h"} & set(argv):
        start_early(_option(argv, "--device") or "auto", plain="--plain" in argv)
    from tutor.cli import main as run_cli

    try:
        run_cli()
    finally:
        close_unused()
