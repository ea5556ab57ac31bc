"""The worker started before anything else loads, and the settings it was started with.

Importing torch in the worker is most of the wait before a learner can type. ``tutor.launch``
calls ``start_early`` before Typer, the lesson and the check library load in this process, so
torch's import overlaps all of that; ``tutor start`` then takes the waiting worker::

    start_early(device="auto", plain=False)     # in launch, first thing
    kernel = take_kernel(device="auto", plain=False)   # in cli: that worker, or a new one
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


def start_early(device: str, plain: bool) -> None:
    """Start a worker now, for ``take_kernel`` to hand over later."""
    global _early
    from tutor.kernel.client import Kernel

    _early = Kernel(device=device, env=worker_environment(plain))


def take_kernel(device: str, plain: bool) -> Kernel:
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


def close_unused() -> None:
    """Stop an early worker that ``tutor start`` never took (a bad argument, say)."""
    global _early
    if _early is not None:
        _early.close()
        _early = None
