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
from collections.abc import Iterator
from typing import Any

from tutor.kernel import snapshot
from tutor.kernel.capture import captured_output
from tutor.kernel.execute import Outcome, run_source
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
    """Request handlers; one instance per process. Each ``op_*`` method answers one request."""

    def __init__(self, conn: Channel, device: Any) -> None:
        self.conn = conn
        self.device = device
        self.running_learner_code = False
        self.sending = False  # a SIGINT now must wait: a half-sent message would break the pipe
        self.interrupt_pending = False
        self.namespace: dict[str, Any] = {}
        self.step_snapshot: snapshot.Snapshot | None = None
        self._fresh_namespace()

    def _fresh_namespace(self) -> None:
        self.namespace.clear()
        self.namespace.update(
            {"__name__": "__main__", "__builtins__": builtins, "device": self.device}
        )

    # -- running code ------------------------------------------------------------------------

    def _send_output(self, stream: str, text: str) -> None:
        self.sending = True
        try:
            self.conn.send({"op": "output", "stream": stream, "text": text})
        finally:
            self.sending = False
        if self.interrupt_pending:
            self.interrupt_pending = False
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def _interruptible(self) -> Iterator[None]:
        """While learner code (or a check calling it) runs, SIGINT raises KeyboardInterrupt."""
        self.running_learner_code = True
        try:
            yield
        finally:
            self.running_learner_code = False
            self.interrupt_pending = False

    def _run(self, code: str, filename: str, quiet: bool = False) -> dict[str, Any]:
        send = (lambda _stream, _text: None) if quiet else self._send_output
        with captured_output(send, encoding=OUTPUT_ENCODING) as budget:
            try:
                with self._interruptible():
                    outcome = run_source(code, filename, self.namespace)
            except KeyboardInterrupt:  # landed outside the learner's exec (compiling, say)
                outcome = Outcome(ok=False, interrupted=True, error="KeyboardInterrupt")
        reply = outcome.as_message()
        reply.update(output="".join(budget.captured), hidden_lines=budget.hidden_lines)
        return reply

    def op_exec(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._run(
            request["code"], request.get("filename", "<input>"), request.get("quiet", False)
        )

    def op_begin_step(self, request: dict[str, Any]) -> dict[str, Any]:
        """Seed, run the step's given code, then remember the namespace the step starts from.

        ``names`` (optional) are the names the step's solution and checks use: only those are
        copied into the snapshot, the rest are shared, so a large unrelated tensor isn't copied.
        """
        if request.get("seed") is not None:
            torch.manual_seed(request["seed"])
        reply = {"ok": True, "output": "", "error": ""}
        if request.get("given"):
            reply = self._run(
                request["given"], request.get("filename", "<given>"), request.get("quiet", False)
            )
        names = request.get("names")
        self.step_snapshot = snapshot.take(self.namespace, torch, numpy, only=names)
        return reply

    def op_reset_step(self, request: dict[str, Any]) -> dict[str, Any]:
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

    def op_reset_all(self, request: dict[str, Any]) -> dict[str, Any]:
        self._fresh_namespace()
        self.step_snapshot = None
        return {"ok": True}

    # -- checks ------------------------------------------------------------------------------

    def _solution_namespace(self, solution: str) -> dict[str, Any]:
        """The step's solution run on a copy of the namespace as the step began.

        The real `torch`, `np`, `nn`, `F` and built-ins are put back first: the author's solution
        must not break because the learner rebound `torch` or `len`.
        """
        if self.step_snapshot is None:
            raise RuntimeError("the step has no starting snapshot")
        namespace = snapshot.copy_namespace(
            self.step_snapshot.namespace, torch, numpy, only=self.step_snapshot.copied
        )
        for name in [n for n in namespace if n in vars(builtins) and n != "__builtins__"]:
            del namespace[name]
        namespace.update(trusted_modules())
        with snapshot.RandomStateKept(torch, numpy), captured_output(lambda _s, _t: None):
            snapshot.restore_random_state(self.step_snapshot, torch, numpy)
            outcome = run_source(solution, "<solution>", namespace, display=False)
        if outcome.interrupted:
            raise KeyboardInterrupt
        if not outcome.ok:
            raise RuntimeError(f"the step's solution failed: {_first_line(outcome.error)}")
        return namespace

    def op_check(self, request: dict[str, Any]) -> dict[str, Any]:
        from tutor.checks import REGISTRY, CheckContext, run_check
        from tutor.checks.base import failed

        start = self.step_snapshot  # what `before.x` reads in the checks
        ctx = CheckContext(
            namespace=self.namespace,
            torch=torch,
            numpy=numpy,
            code=request.get("code", ""),
            output=request.get("output", ""),
            solution_runner=lambda: self._solution_namespace(request.get("solution", "")),
            before=None if start is None else start.namespace,
            before_copied=None if start is None else start.copied,
        )
        verdicts = []
        with snapshot.RandomStateKept(torch, numpy), captured_output(lambda _s, _t: None):
            for name, args in request["checks"]:
                # Checks call learner code (`function`, `module`): Ctrl-C must stop it, and an
                # exit() inside it must not end the worker.
                try:
                    with self._interruptible():
                        verdict = run_check(REGISTRY[name], ctx, args)
                except KeyboardInterrupt:
                    verdict = failed(
                        "Checking was stopped (KeyboardInterrupt)",
                        "Your code ran too long while being checked.",
                    )
                except SystemExit:
                    verdict = failed(f"Your code called exit() while the check `{name}` ran it")
                except Exception as error:  # a broken check must read as a problem, not a crash
                    verdict = failed(
                        f"The check `{name}` could not run: {type(error).__name__}: "
                        f"{_first_line(str(error))}"
                    )
                verdicts.append(verdict)
                if not verdict.passed:
                    break
            renamed = ""
            if verdicts and verdicts[-1].missing:
                renamed = self._made_under_another_name(ctx, verdicts[-1].missing, request)
        return {
            "verdicts": verdicts,
            "shadowed": shadowed_names(self.namespace),
            "renamed": renamed,
        }

    def _made_under_another_name(self, ctx: Any, missing: str, request: dict[str, Any]) -> str:
        """The name the latest input gave to the value ``missing`` should hold (`y` for
        `output`), or ''."""
        from tutor.checks.compare import compare_values

        try:
            with self._interruptible():
                expected = ctx.solution_value(missing)
                for name in request.get("bound", []):
                    if name != missing and name in self.namespace:
                        got = self.namespace[name]
                        if compare_values(name, got, expected, 1e-4, 1e-4, torch) is None:
                            return name
        except BaseException:  # only a better message was at stake
            pass
        return ""

    # -- looking at the namespace ------------------------------------------------------------

    def op_complete(self, request: dict[str, Any]) -> dict[str, Any]:
        from tutor.kernel.introspect import completions

        return {"completions": completions(request["source"], self.namespace)}

    def op_vars(self, request: dict[str, Any]) -> dict[str, Any]:
        from tutor.kernel.introspect import variable_rows

        return {"rows": variable_rows(self.namespace, torch, numpy)}


_USUAL_MEANINGS = {
    "torch": "the torch module",
    "print": "the built-in print",
    "len": "the built-in len",
}


def trusted_modules() -> dict[str, Any]:
    return {"torch": torch, "np": numpy, "nn": torch.nn, "F": torch.nn.functional}


def _first_line(text: str, limit: int = 300) -> str:
    """The last meaningful line of an error (torch's can run to a hundred lines), kept short."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    line = lines[-1] if text.startswith("Traceback") and lines else (lines[0] if lines else "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def shadowed_names(namespace: dict[str, Any]) -> list[str]:
    """Lines naming well-known names the learner rebound (they can break the learner's own code)."""
    expected = {"torch": torch, "np": numpy, "print": builtins.print, "len": builtins.len}
    expected.update({"sum": builtins.sum, "range": builtins.range, "list": builtins.list})
    notes = []
    for name, original in expected.items():
        if name in namespace and namespace[name] is not original:
            kind = type(namespace[name]).__name__
            usual = _USUAL_MEANINGS.get(name, f"`{name}`'s usual meaning")
            article = "an" if kind[:1].lower() in "aeiou" else "a"
            notes.append(
                f"`{name}` is now {article} {kind}, not {usual}; `del {name}` or re-import it."
            )
    return notes


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
                reply = {"ok": False, "error": f"{type(error).__name__}: {_first_line(str(error))}"}
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
    worker = Worker(conn, device)
    signal.signal(signal.SIGINT, _interrupt_handler(worker))
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
