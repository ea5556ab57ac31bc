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
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from tutor.kernel import snapshot
from tutor.kernel.capture import captured_output
from tutor.kernel.execute import run_source

torch: Any = None
numpy: Any = None


def choose_device(preference: str) -> Any:
    """CUDA, then Apple MPS, then CPU; or exactly what ``preference`` names."""
    if preference != "auto":
        return torch.device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class Worker:
    """Request handlers; one instance per process. Each ``op_*`` method answers one request."""

    def __init__(self, conn: Connection, device: Any) -> None:
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

    def _run(self, code: str, filename: str, quiet: bool = False) -> dict[str, Any]:
        send = (lambda _stream, _text: None) if quiet else self._send_output
        with captured_output(send) as budget:
            self.running_learner_code = True
            try:
                outcome = run_source(code, filename, self.namespace)
            finally:
                self.running_learner_code = False
        reply = outcome.as_message()
        reply.update(
            output="".join(budget.captured),
            hidden_lines=budget.hidden_lines,
            hidden_chars=budget.hidden_chars,
        )
        return reply

    def op_exec(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._run(
            request["code"], request.get("filename", "<input>"), request.get("quiet", False)
        )

    def op_begin_step(self, request: dict[str, Any]) -> dict[str, Any]:
        """Seed, run the step's given code, then remember the namespace the step starts from."""
        if request.get("seed") is not None:
            torch.manual_seed(request["seed"])
        reply = {"ok": True, "output": "", "error": ""}
        if request.get("given"):
            reply = self._run(
                request["given"], request.get("filename", "<given>"), request.get("quiet", False)
            )
        self.step_snapshot = snapshot.take(self.namespace, torch, numpy)
        return reply

    def op_reset_step(self, request: dict[str, Any]) -> dict[str, Any]:
        """Put the namespace and random streams back as they were when the step began."""
        if self.step_snapshot is None:
            return {"ok": False, "error": "no step has begun"}
        restored = snapshot.copy_namespace(self.step_snapshot.namespace, torch, numpy)
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
        if self.step_snapshot is None:
            raise RuntimeError("the step has no starting snapshot")
        namespace = snapshot.copy_namespace(self.step_snapshot.namespace, torch, numpy)
        with snapshot.RandomStateKept(torch, numpy), captured_output(lambda _s, _t: None):
            snapshot.restore_random_state(self.step_snapshot, torch, numpy)
            outcome = run_source(solution, "<solution>", namespace, display=False)
        if not outcome.ok:
            raise RuntimeError(f"the step's solution failed: {outcome.error}")
        return namespace

    def op_check(self, request: dict[str, Any]) -> dict[str, Any]:
        from tutor.checks import REGISTRY, CheckContext, run_check
        from tutor.checks.base import failed

        ctx = CheckContext(
            namespace=self.namespace,
            torch=torch,
            numpy=numpy,
            code=request.get("code", ""),
            output=request.get("output", ""),
            solution_runner=lambda: self._solution_namespace(request.get("solution", "")),
        )
        verdicts = []
        with snapshot.RandomStateKept(torch, numpy), captured_output(lambda _s, _t: None):
            for name, args in request["checks"]:
                try:
                    verdict = run_check(REGISTRY[name], ctx, args)
                except Exception as error:  # a broken check must read as a problem, not a crash
                    verdict = failed(
                        f"The check `{name}` could not run: {type(error).__name__}: {error}"
                    )
                verdicts.append(verdict)
                if not verdict.passed:
                    break
        return {"verdicts": verdicts, "shadowed": shadowed_names(self.namespace)}

    # -- looking at the namespace ------------------------------------------------------------

    def op_complete(self, request: dict[str, Any]) -> dict[str, Any]:
        from tutor.kernel.introspect import completions

        return {"completions": completions(request["source"], self.namespace)}

    def op_vars(self, request: dict[str, Any]) -> dict[str, Any]:
        from tutor.kernel.introspect import variable_rows

        return {"rows": variable_rows(self.namespace, torch, numpy)}

    def op_ping(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"pong": time.perf_counter()}


_USUAL_MEANINGS = {
    "torch": "the torch module",
    "print": "the built-in print",
    "len": "the built-in len",
}


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


def serve(conn: Connection, worker: Worker) -> None:
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
            except Exception as error:
                reply = {"ok": False, "error": f"{type(error).__name__}: {error}", "internal": True}
        reply["op"] = "reply"
        conn.send(reply)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--parent", type=int, default=os.getppid())
    args = parser.parse_args(argv)
    conn = Connection(args.fd)
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()

    global torch, numpy
    started = time.perf_counter()
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
            "import_seconds": time.perf_counter() - started,
        }
    )
    serve(conn, worker)


if __name__ == "__main__":
    main()
