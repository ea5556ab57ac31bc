"""Every message between the front process and the worker, in one place.

The front sends one request and reads zero or more ``OutputMessage`` (what learner code prints,
as it prints it), then one reply. Requests are built only by ``tutor.kernel.client.Kernel``'s
methods; the worker answers each with the ``op_<name>`` method of the same name::

    kernel.exec("x = 1 + 1")              # -> ExecRequest  -> RunReply
    kernel.begin_step(given, seed, names) # -> BeginStepRequest -> RunReply
    kernel.check(checks, solution, ...)   # -> CheckRequest -> CheckReply

This module is a leaf: plain types only, importable by both sides without torch.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# -- front to worker -------------------------------------------------------------------------


class ExecRequest(TypedDict):
    """Run learner code (or setup, given, solution code) in the learner's namespace."""

    op: Literal["exec"]
    code: str
    filename: str
    quiet: bool  # True: run without streaming output (replays, setup)
    time_budget: float | None  # seconds before the code is interrupted (None: no limit)


class BeginStepRequest(TypedDict):
    """Seed, run a step's given code, and keep the namespace the step starts from."""

    op: Literal["begin_step"]
    given: str
    seed: int | None
    quiet: bool
    filename: str
    names: list[str] | None  # copy only these names into the step's snapshot (None: all)


class CheckRequest(TypedDict):
    """Run a step's checks on the learner's namespace."""

    op: Literal["check"]
    checks: list[tuple[str, dict[str, Any]]]  # (registry name, normalised arguments)
    solution: str
    code: str  # every input of this step, joined
    output: str  # what those inputs printed
    bound: list[str]  # names the latest input bound (to spot a renamed result)


class ResetStepRequest(TypedDict):
    """Put the namespace back as it was when the step began."""

    op: Literal["reset_step"]


class ResetAllRequest(TypedDict):
    """A fresh namespace (only ``device``), as when a lesson starts."""

    op: Literal["reset_all"]


class SaveCheckpointRequest(TypedDict):
    """Write the learner's namespace and random state to a file (``tutor.kernel.checkpoint``)."""

    op: Literal["save_checkpoint"]
    path: str


class LoadCheckpointRequest(TypedDict):
    """Replace the learner's namespace and random state with a checkpoint's."""

    op: Literal["load_checkpoint"]
    path: str


class CompleteRequest(TypedDict):
    """Completions for the end of ``source``, from the live namespace."""

    op: Literal["complete"]
    source: str


class VarsRequest(TypedDict):
    """A row per learner variable, for ``%vars``."""

    op: Literal["vars"]


class ShutdownRequest(TypedDict):
    op: Literal["shutdown"]


Request = (
    ExecRequest
    | BeginStepRequest
    | CheckRequest
    | ResetStepRequest
    | ResetAllRequest
    | SaveCheckpointRequest
    | LoadCheckpointRequest
    | CompleteRequest
    | VarsRequest
    | ShutdownRequest
)

# -- worker to front -------------------------------------------------------------------------


class ReadyMessage(TypedDict, total=False):
    """Sent once, when torch is imported and the device chosen (or ``error`` if it cannot be)."""

    op: Literal["ready"]
    device: str
    torch: str
    python: str
    error: str


class OutputMessage(TypedDict):
    """A chunk of what learner code printed, sent while it runs."""

    op: Literal["output"]
    stream: str  # "stdout" or "stderr"
    text: str


class ProgressMessage(TypedDict, total=False):
    """How a long run is going, sent at a capped rate while learner code runs: batches of a
    loop over a data loader, and the losses ``.backward()`` was called on."""

    op: Literal["progress"]
    done: int  # batches taken from the loader in this pass over it
    total: int  # batches in one pass (0: unknown)
    epoch: int  # passes over the loader started during this input (1 for the first)
    loader: str  # the learner's name for the loader (`trainloader`), or ''
    elapsed: float  # seconds since this pass began
    losses: list[float]  # every loss `.backward()` saw during this input, in order
    finished: bool  # True once, when a pass over the loader ends


class RunReply(TypedDict, total=False):
    """What running code did (``exec``, ``begin_step``, ``reset_step``, ``reset_all``)."""

    op: Literal["reply"]
    ok: bool
    error: str  # a short traceback of the learner's frames, or ''
    error_type: str
    explanation: list[str]  # the tutor's reading of the error, line by line
    interrupted: bool
    timed_out: bool  # interrupted because the step's time budget ran out
    exit_code: int | None  # set when the code called exit()
    output: str
    hidden_lines: int  # lines cut by the output budget
    internal: bool  # the front could not read the worker's reply


class CheckReply(TypedDict, total=False):
    """The verdicts of a step's checks (``tutor.checks.base.Verdict``), stopping at the first
    failure; or ``error`` when the checking machinery itself failed."""

    op: Literal["reply"]
    ok: bool
    verdicts: list[Any]
    shadowed: list[str]  # notes on well-known names the learner rebound
    renamed: str  # the name the latest input gave to a missing value, or ''
    error: str
    interrupted: bool


class CheckpointReply(TypedDict, total=False):
    op: Literal["reply"]
    ok: bool
    error: str
    unsaved: dict[str, str]  # names left out of the file, each with what it was
    size: int  # bytes written


class CompleteReply(TypedDict, total=False):
    op: Literal["reply"]
    completions: list[tuple[str, str, str]]  # (text to insert, full name, kind)
    error: str


class VarsReply(TypedDict, total=False):
    op: Literal["reply"]
    rows: list[dict[str, str]]  # name, type, shape, dtype, device, value
    error: str


Reply = RunReply | CheckReply | CheckpointReply | CompleteReply | VarsReply
