"""The worker process: owns the learner's namespace, imports torch, runs code and checks.

Started by ``tutor.kernel.client.Kernel`` as a fresh interpreter (``python -m
tutor.kernel.worker --fd N``): nothing is forked from the front process, whose threads would make
a fork unsafe. It talks over one socket with pickled dicts: a request in, zero or more ``output``
messages, then one reply. It sits in its own process group, so the terminal's Ctrl-C reaches only
the front, which forwards one SIGINT here while learner code runs.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tutor.kernel import fdpipes, snapshot
from tutor.kernel.capture import captured_output
from tutor.kernel.checking import Checker, first_line
from tutor.kernel.execute import Outcome, run_source
from tutor.kernel.progress import ProgressTracker
from tutor.kernel.protocol import (
    BeginStepRequest,
    CheckpointReply,
    CheckReply,
    CheckRequest,
    CompleteReply,
    CompleteRequest,
    ExecRequest,
    LoadCheckpointRequest,
    ResetAllRequest,
    ResetStepRequest,
    RunReply,
    SaveCheckpointRequest,
    VarsReply,
    VarsRequest,
)
from tutor.kernel.wire import Channel

# The front's output encoding: pictures fall back to ASCII where it can't carry Unicode.
OUTPUT_ENCODING = os.environ.get("TUTOR_OUTPUT_ENCODING", "utf-8")

torch: Any = None
numpy: Any = None


def choose_device(preference: str) -> Any:
    """CUDA, then Apple MPS, then CPU; or exactly what ``preference`` names."""
    if preference != "auto":
        device = torch.device(preference)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("this torch has no CUDA device (try --device cpu)")
        mps = getattr(torch.backends, "mps", None)
        if device.type == "mps" and not (mps is not None and mps.is_available()):
            raise ValueError("Apple's MPS is not available here (try --device cpu)")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class Worker:
    """Request handlers; one instance per process. Each ``op_*`` method answers one request
    of ``tutor.kernel.protocol``."""

    def __init__(self, conn: Channel, device: Any) -> None:
        self.conn = conn
        self.device = device
        self.running_learner_code = False
        self.sending = False  # a SIGINT now must wait: a half-sent message would break the pipe
        self.interrupt_pending = False
        self.namespace: dict[str, Any] = {}
        self.step_snapshot: snapshot.Snapshot | None = None
        self.checker = Checker(torch, numpy, self.interruptible)
        self.tracker = ProgressTracker(self._send, torch)
        self.tracker.install()
        self.checker.keep_pristine()  # after the tracker's own wrappers, before learner code
        self._fresh_namespace()

    def _fresh_namespace(self) -> None:
        self.namespace.clear()
        self.namespace.update(
            {"__name__": "__main__", "__builtins__": builtins, "device": self.device}
        )

    # -- running code ------------------------------------------------------------------------

    def _send(self, message: Any) -> None:
        """Send a message while learner code runs; a Ctrl-C meanwhile waits until it is sent."""
        if threading.current_thread() is not threading.main_thread():
            # Signals land in the main thread only: another thread (the fd reader, a learner's)
            # can't be cut mid-message, and must not take the main thread's Ctrl-C for itself.
            self.conn.send(message)
            return
        self.sending = True
        try:
            self.conn.send(message)
        finally:
            self.sending = False
        if self.interrupt_pending:
            self.interrupt_pending = False
            raise KeyboardInterrupt

    def _send_output(self, stream: str, text: str) -> None:
        self._send({"op": "output", "stream": stream, "text": text})

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """While learner code (or a check calling it) runs, SIGINT raises KeyboardInterrupt."""
        self.running_learner_code = True
        try:
            yield
        finally:
            self.running_learner_code = False
            self.interrupt_pending = False

    def _run(
        self, code: str, filename: str, quiet: bool = False, time_budget: float | None = None
    ) -> RunReply:
        send = (lambda _stream, _text: None) if quiet else self._send_output
        watching = contextlib.nullcontext() if quiet else self.tracker.watching()
        timer = TimeBudget(time_budget)
        output = captured_output(send, encoding=OUTPUT_ENCODING, visible=not quiet)
        with output as budget, warnings.catch_warnings():
            # A fresh filter list per input: each warning shows once per input, as in Python's
            # console, even if a check's silent run met it first.
            warnings.simplefilter("ignore" if quiet else "default")
            try:
                with self.interruptible(), watching, timer:
                    outcome = run_source(code, filename, self.namespace)
            except KeyboardInterrupt:  # landed outside the learner's exec (compiling, say)
                outcome = Outcome(ok=False, interrupted=True, error="KeyboardInterrupt")
        reply = outcome.as_message()
        reply["error"] = _cut(reply.get("error", ""))
        repaired = repair_interpreter()
        if repaired:
            reply["explanation"] = [*reply.get("explanation", []), repaired]
        if outcome.interrupted and timer.spent.is_set():
            reply["error"] = f"Stopped: this step allows {time_budget:g} s of running time."
            reply["timed_out"] = True
        reply["output"] = "".join(budget.captured)
        reply["hidden_lines"] = budget.hidden_lines
        return reply

    def op_exec(self, request: ExecRequest) -> RunReply:
        return self._run(
            request["code"],
            request.get("filename", "<input>"),
            request.get("quiet", False),
            request.get("time_budget"),
        )

    def op_begin_step(self, request: BeginStepRequest) -> RunReply:
        """Seed, run the step's given code, then remember the namespace the step starts from.

        ``names`` (optional) are the names the step's solution and checks use: only those are
        copied into the snapshot, the rest are shared, so a large unrelated tensor isn't copied.
        """
        if request.get("seed") is not None:
            torch.manual_seed(request["seed"])
        reply: RunReply = {"ok": True, "output": "", "error": ""}
        if request.get("given"):
            reply = self._run(
                request["given"], request.get("filename", "<given>"), request.get("quiet", False)
            )
        self.step_snapshot = snapshot.take(self.namespace, torch, numpy, only=request.get("names"))
        self.checker.new_step(self.step_snapshot)
        return reply

    def op_reset_step(self, request: ResetStepRequest) -> RunReply:
        """Put the namespace and random streams back as they were when the step began."""
        if self.step_snapshot is None:
            return {"ok": False, "error": "no step has begun"}
        restored = snapshot.copy_namespace(
            self.step_snapshot.namespace, torch, numpy, only=self.step_snapshot.copied
        )
        self.namespace.clear()
        self.namespace.update(restored)
        snapshot.restore_random_state(self.step_snapshot, torch, numpy)
        return {"ok": True}

    def op_reset_all(self, request: ResetAllRequest) -> RunReply:
        self._fresh_namespace()
        self.step_snapshot = None
        self.checker.new_step(None)
        return {"ok": True}

    # -- checkpoints -------------------------------------------------------------------------

    def op_save_checkpoint(self, request: SaveCheckpointRequest) -> CheckpointReply:
        from tutor.kernel import checkpoint  # cloudpickle: not on the path to the first prompt

        saved = checkpoint.save(self.namespace, Path(request["path"]), torch, numpy)
        return {"ok": True, "unsaved": saved.unsaved, "size": saved.size}

    def op_load_checkpoint(self, request: LoadCheckpointRequest) -> CheckpointReply:
        from tutor.kernel import checkpoint

        try:
            unsaved = checkpoint.load(self.namespace, Path(request["path"]), torch, numpy)
        except (OSError, ValueError) as error:
            return {"ok": False, "error": str(error)}
        self.namespace.update(__builtins__=builtins, __name__="__main__")
        return {"ok": True, "unsaved": unsaved}

    # -- checks and looking at the namespace -------------------------------------------------

    def op_check(self, request: CheckRequest) -> CheckReply:
        return self.checker.run(request, self.namespace)

    def op_complete(self, request: CompleteRequest) -> CompleteReply:
        from tutor.kernel.introspect import completions

        return {"completions": completions(request["source"], self.namespace)}

    def op_vars(self, request: VarsRequest) -> VarsReply:
        from tutor.kernel.introspect import variable_rows

        return {"rows": variable_rows(self.namespace, torch, numpy)}


class TimeBudget:
    """Context manager: interrupt the block (as Ctrl-C would) once ``seconds`` have passed;
    ``spent`` says whether it did."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.spent = threading.Event()
        self._timer: threading.Timer | None = None

    def _interrupt(self) -> None:
        self.spent.set()
        os.kill(os.getpid(), signal.SIGINT)

    def __enter__(self) -> None:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self._interrupt)
            self._timer.daemon = True
            self._timer.start()

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


ERROR_LIMIT = 20_000  # characters of an error shown, as for other output


def _cut(text: str) -> str:
    if len(text) <= ERROR_LIMIT:
        return text
    hidden = len(text) - ERROR_LIMIT
    return (
        f"{text[: ERROR_LIMIT // 2]}\n… {hidden:,} characters hidden …\n{text[-ERROR_LIMIT // 2 :]}"
    )


def repair_interpreter() -> str:
    """Undo what learner code did to the interpreter that would break every later input (a tiny
    recursion limit, no display hook); say what was put back, or ''."""
    said = []
    if sys.getrecursionlimit() < 200:
        sys.setrecursionlimit(1000)
        said.append(
            "the recursion limit is back at 1000 (a lower one breaks PyTorch and the tutor)"
        )
    if not callable(sys.displayhook):
        sys.displayhook = sys.__displayhook__
        said.append("`sys.displayhook` is back, so values typed alone are shown again")
    return ("Note: " + "; ".join(said) + ".") if said else ""


def _leave_the_channel_to_the_parent(worker: Worker) -> None:
    """In a process the learner's code forked: the channel is the worker's alone."""
    worker.conn.detach()


def _watch_parent(parent_pid: int) -> None:
    """Leave when the front process is gone, even while learner code loops forever."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            os._exit(0)


def _interrupt_handler(worker: Worker) -> Any:
    def handle(signum: int, frame: Any) -> None:
        # Only learner code is interrupted; a SIGINT between requests must not break the protocol.
        if not worker.running_learner_code:
            return
        if worker.sending:
            worker.interrupt_pending = True
            return
        raise KeyboardInterrupt

    return handle


def serve(conn: Channel, worker: Worker) -> None:
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        op = request.get("op")
        if op == "shutdown":
            return
        handler = getattr(worker, f"op_{op}", None)
        if handler is None:
            reply: dict[str, Any] = {"error": f"unknown request {op!r}"}
        else:
            try:
                reply = handler(request)
            except KeyboardInterrupt:  # a SIGINT that landed between the learner's statements
                reply = {"ok": False, "interrupted": True, "error": "KeyboardInterrupt"}
            except Exception as error:
                reply = {"ok": False, "error": f"{type(error).__name__}: {first_line(str(error))}"}
        if conn.detached:  # a child the learner's code forked: it never answers in our place
            os._exit(0)
        reply["op"] = "reply"
        conn.send(reply)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--parent", type=int, default=os.getppid())
    args = parser.parse_args(argv)
    conn = Channel(socket.socket(fileno=args.fd))
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()

    global torch, numpy
    import numpy as _numpy
    import torch as _torch

    torch, numpy = _torch, _numpy
    try:
        device = choose_device(args.device)
    except (RuntimeError, ValueError) as error:
        conn.send({"op": "ready", "error": f"cannot use device {args.device!r}: {error}"})
        return
    fdpipes.install()  # from here on, what is written to fd 1 and 2 is caught, not shown raw
    worker = Worker(conn, device)
    signal.signal(signal.SIGINT, _interrupt_handler(worker))
    os.register_at_fork(after_in_child=lambda: _leave_the_channel_to_the_parent(worker))
    conn.send(
        {
            "op": "ready",
            "device": str(device),
            "torch": str(torch.__version__),  # TorchVersion would need torch to unpickle
            "python": sys.version.split()[0],
        }
    )
    serve(conn, worker)


if __name__ == "__main__":
    main()
