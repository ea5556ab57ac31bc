"""The front process's handle to the worker: start it, send requests, interrupt, restart.

    kernel = Kernel(device="auto")          # starts the worker; returns at once
    info = kernel.wait_ready()               # torch is imported by now
    reply = kernel.exec("x = 1 + 1", on_output=print_chunk)
    reply["ok"]                              # -> True

Each method sends one request of ``tutor.kernel.protocol`` and returns its typed reply; nothing
else in the tutor builds a request.

Waiting for a reply blocks in ``recv`` (no polling loop), so the front takes no CPU from the
learner's torch code. A dead worker raises ``WorkerDied``; ``restart()`` gives a fresh one.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, NamedTuple, cast

from tutor.kernel.protocol import (
    CheckpointReply,
    CheckReply,
    CompleteReply,
    ProgressMessage,
    Request,
    RunReply,
    VarsReply,
)
from tutor.kernel.wire import Channel

OutputCallback = Callable[[str, str], None]  # (stream, text)
ProgressCallback = Callable[[ProgressMessage], None]


class ReplyUnpickler(pickle.Unpickler):
    """Replies hold plain data and verdicts only: the front never imports torch by accident."""

    ALLOWED: frozenset[tuple[str, str]] = frozenset({("tutor.checks.base", "Verdict")})

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the worker sent a {module}.{name}, which the front refuses")


class WorkerDied(Exception):
    """The worker process ended while the front was talking to it."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class WorkerUnavailable(Exception):
    """The worker could not start (e.g. the device asked for does not exist here)."""


class WorkerInfo(NamedTuple):  # not a dataclass: importing dataclasses delays the spawn
    device: str
    torch_version: str
    python_version: str


class WorkerProcess:
    """A worker process and the socket to it: starting, stopping, one request at a time."""

    def __init__(self, device: str = "auto", env: dict[str, str] | None = None) -> None:
        self.device_preference = device
        self.env = env
        self._lock = threading.Lock()  # one request at a time (the REPL completes from a thread)
        self._interrupts = 0
        self.info: WorkerInfo | None = None
        self._start()

    # -- lifecycle ---------------------------------------------------------------------------

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-c",  # not `-m`: runpy's import would be one more thing before torch's
            "from tutor.kernel.worker import main; main()",
            "--fd",
            str(theirs.fileno()),
            "--device",
            self.device_preference,
            "--parent",
            str(os.getpid()),
        ]
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.process = subprocess.Popen(
            command,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # the terminal's Ctrl-C goes to the front, which forwards it
            env=env,
        )
        theirs.close()
        self.conn = Channel(ours)
        self.info = None

    def wait_ready(self) -> WorkerInfo:
        """Block until the worker has imported torch and chosen its device."""
        if self.info is not None:
            return self.info
        message = self._receive()
        if message.get("error"):
            raise WorkerUnavailable(message["error"])
        self.info = WorkerInfo(message["device"], message["torch"], message["python"])
        return self.info

    def restart(self) -> None:
        self.close()
        self._start()

    def close(self) -> None:
        """Stop the worker; never raises."""
        try:
            with self._lock:
                self.conn.send({"op": "shutdown"})
        except Exception:
            pass
        try:
            self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # What the learner's code started (a subprocess, a forked child) sits in the worker's
        # process group: it ends with the worker, never outliving the tutor.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with suppress(Exception):
            self.conn.close()

    def how_it_ended(self) -> str:
        """How the worker ended ("the worker was stopped by SIGKILL"); call once it has."""
        return how_it_ended(self.process)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _request(
        self,
        message: Request,
        on_output: OutputCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """Send one request and wait for its reply, passing streamed output to ``on_output``.

        Ctrl-C while waiting interrupts the learner's code in the worker; the reply then says
        ``interrupted``. Raises ``WorkerDied`` if the worker ends first.
        """
        with self._lock:
            self.wait_ready()
            self._interrupts = 0  # Ctrl-C presses while this request runs
            # Forward Ctrl-C from before the send: one landing in between must not leave the
            # reply unread (the next request would read it as its own).
            with self._forwarding_interrupts():
                try:
                    self.conn.send(message)
                except OSError:
                    raise WorkerDied(how_it_ended(self.process)) from None
                while True:
                    reply = self._receive()
                    if reply.get("op") == "output":
                        if on_output is not None:
                            on_output(reply["stream"], reply["text"])
                        continue
                    if reply.get("op") == "progress":
                        if on_progress is not None:
                            on_progress(cast(ProgressMessage, reply))
                        continue
                    return reply

    def interrupt(self) -> None:
        """Send SIGINT to the worker (it interrupts learner code only).

        Code that ignores SIGINT cannot be stopped that way: the second Ctrl-C during one
        request says so, and the third stops the worker itself (the engine then starts a new
        one from the step's checkpoint, as after a crash).
        """
        if not self.alive:
            return
        self._interrupts += 1
        if self._interrupts == 2:
            print(
                "\nYour code is not stopping. Ctrl-C once more restarts the worker "
                "(your progress is kept).",
                file=sys.stderr,
                flush=True,
            )
        if self._interrupts >= 3:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            return
        with suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGINT)

    def _receive(self) -> dict[str, Any]:
        while True:
            try:
                data = self.conn.recv_bytes()
            except InterruptedError:
                continue
            except (EOFError, OSError):
                raise WorkerDied(how_it_ended(self.process)) from None
            try:
                reply: dict[str, Any] = ReplyUnpickler(io.BytesIO(data)).load()
                return reply
            except pickle.UnpicklingError as error:
                return {"op": "reply", "ok": False, "error": str(error), "internal": True}

    @contextmanager
    def _forwarding_interrupts(self) -> Iterator[None]:
        """While waiting on learner code, Ctrl-C in the front becomes SIGINT in the worker."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, lambda signum, frame: self.interrupt())
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


class Kernel(WorkerProcess):
    """The worker, seen as the requests it answers: each method sends one request of
    ``tutor.kernel.protocol`` and returns its typed reply."""

    def exec(
        self,
        code: str,
        filename: str = "<input>",
        quiet: bool = False,
        on_output: OutputCallback | None = None,
        on_progress: ProgressCallback | None = None,
        time_budget: float | None = None,
    ) -> RunReply:
        """Run code in the learner's namespace; its output streams to ``on_output`` and the
        progress of a training loop to ``on_progress``; ``time_budget`` seconds at most."""
        request: Request = {
            "op": "exec",
            "code": code,
            "filename": filename,
            "quiet": quiet,
            "time_budget": time_budget,
        }
        return cast(RunReply, self._request(request, on_output, on_progress))

    def begin_step(
        self,
        given: str = "",
        seed: int | None = None,
        names: list[str] | None = None,
        filename: str = "<given>",
        quiet: bool = True,
        on_output: OutputCallback | None = None,
    ) -> RunReply:
        """Seed, run a step's given code and keep the namespace it starts from.

        ``names``: copy only these into the step's snapshot (the rest is shared); None copies all.
        """
        request: Request = {
            "op": "begin_step",
            "given": given,
            "seed": seed,
            "quiet": quiet,
            "filename": filename,
            "names": names,
        }
        return cast(RunReply, self._request(request, on_output))

    def check(
        self,
        checks: list[tuple[str, dict[str, Any]]],
        solution: str = "",
        code: str = "",
        output: str = "",
        bound: list[str] | None = None,
    ) -> CheckReply:
        """Run checks on the namespace; verdicts stop at the first failure."""
        request: Request = {
            "op": "check",
            "checks": checks,
            "solution": solution,
            "code": code,
            "output": output,
            "bound": bound or [],
        }
        from tutor.verify import confirmed, without_evidence  # not on the way to the spawn

        reply = cast(CheckReply, self._request(request))
        if "verdicts" in reply:  # a pass is believed once its values agree here too
            reply["verdicts"] = [without_evidence(v) for v in confirmed(reply["verdicts"])]
        return reply

    def reset_step(self) -> RunReply:
        """Put the namespace and random streams back as they were when the step began."""
        return cast(RunReply, self._request({"op": "reset_step"}))

    def reset_all(self) -> RunReply:
        """A fresh namespace, holding only ``device``."""
        return cast(RunReply, self._request({"op": "reset_all"}))

    def save_checkpoint(self, path: str) -> CheckpointReply:
        """Write the learner's namespace and random state to ``path``."""
        return cast(CheckpointReply, self._request({"op": "save_checkpoint", "path": path}))

    def load_checkpoint(self, path: str) -> CheckpointReply:
        """Replace the learner's namespace and random state with those saved at ``path``."""
        return cast(CheckpointReply, self._request({"op": "load_checkpoint", "path": path}))

    def complete(self, source: str) -> list[tuple[str, str, str]]:
        """(text to insert, full name, kind) for the end of ``source``."""
        reply = cast(CompleteReply, self._request({"op": "complete", "source": source}))
        return reply.get("completions", [])

    def variables(self) -> list[dict[str, str]]:
        """A row per learner variable: name, type, shape, dtype, device, value."""
        return cast(VarsReply, self._request({"op": "vars"})).get("rows", [])


def how_it_ended(process: subprocess.Popen[bytes]) -> str:
    """How a worker that stopped answering ended: its exit status or the signal."""
    try:
        code = process.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker was stopped by {name}"
    return f"the worker exited with status {code}"
