"""The ``tutor`` command's entry point: for ``tutor start``, the worker starts first of all.

Importing torch in the worker is most of the wait before a learner can type. Starting the worker
here, before Typer, the lesson and the check library load in this process, overlaps all of that
with torch's import; ``tutor.cli.start`` then takes the waiting worker.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.kernel.client import Kernel

_early: Kernel | None = None


def plain_output(plain: bool) -> bool:
    """No colour: asked for, NO_COLOR set, or stdout not a terminal."""
    return plain or bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()


def worker_environment(plain: bool) -> dict[str, str]:
    """The worker's environment: it draws pictures in colour only when the front shows colour."""
    return dict(
        os.environ,
        TUTOR_COLOR="0" if plain_output(plain) else "1",
        TUTOR_OUTPUT_ENCODING=sys.stdout.encoding or "utf-8",
    )


def start_kernel(device: str, plain: bool) -> Kernel:
    """The worker started early for these settings if there is one, else a new one."""
    global _early
    early, _early = _early, None
    env = worker_environment(plain)
    if early is not None and early.device_preference == device and early.env == env:
        return early
    if early is not None:
        early.close()
    from tutor.kernel.client import Kernel

    return Kernel(device=device, env=env)


def _option(argv: list[str], name: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    global _early
    argv = sys.argv[1:]
    if argv[:1] == ["start"] and not {"--help", "-h"} & set(argv):
        from tutor.kernel.client import Kernel

        device = _option(argv, "--device") or "auto"
        _early = Kernel(device=device, env=worker_environment("--plain" in argv))
    from tutor.cli import main as run_cli

    try:
        run_cli()
    finally:
        if _early is not None:  # `start` never took it (a bad argument, say)
            _early.close()
