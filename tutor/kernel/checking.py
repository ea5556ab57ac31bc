"""Running a step's checks in the worker: the verdicts, and the solution they compare with.

    checker = Checker(torch, numpy, interruptible=worker.interruptible)
    checker.new_step(snapshot)             # when a step begins (or is reset): the solution's
                                           # namespace will be made afresh, once
    reply = checker.run(request, namespace)

The step's solution runs at most once per step start, on a copy of the namespace as the step
began, and is kept for every later input: judging an input never re-runs a long training step.
"""

from __future__ import annotations

import builtins
import dataclasses
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from tutor.kernel import snapshot
from tutor.kernel.capture import captured_output
from tutor.kernel.execute import run_source
from tutor.kernel.plain import MAX_VALUES, PlainCopier
from tutor.kernel.pristine import Pristine
from tutor.kernel.protocol import CheckReply, CheckRequest

Interruptible = Callable[[], AbstractContextManager[None]]

# Taken at the worker's start, before learner code could rebind `builtins.float` and the like.
_float, _str, _bool, _isinstance, _len = float, str, bool, isinstance, len


class Checker:
    """The checks of the current step, and its solution's namespace (made once)."""

    def __init__(self, torch: Any, numpy: Any, interruptible: Interruptible) -> None:
        self.torch = torch
        self.numpy = numpy
        self.interruptible = interruptible  # Ctrl-C may stop learner code run inside it
        # Made now, before any learner code runs: it keeps the functions it copies with.
        self.copier = PlainCopier(torch, numpy)
        self.pristine: Pristine | None = None  # set by keep_pristine() once the worker is ready
        self.snapshot: snapshot.Snapshot | None = None
        self._solutions: dict[str, dict[str, Any]] = {}

    def new_step(self, step_snapshot: snapshot.Snapshot | None) -> None:
        self.snapshot = step_snapshot
        self._solutions = {}

    def trusted_modules(self) -> dict[str, Any]:
        torch = self.torch
        return {"torch": torch, "np": self.numpy, "nn": torch.nn, "F": torch.nn.functional}

    def solution_namespace(self, solution: str) -> dict[str, Any]:
        """The step's solution run on a copy of the namespace as the step began (once per step).

        The real `torch`, `np`, `nn`, `F` and built-ins are put back first: the author's solution
        must not break because the learner rebound `torch` or `len`.
        """
        if solution not in self._solutions:
            self._solutions[solution] = self._run_solution(solution)
        return self._solutions[solution]

    def _run_solution(self, solution: str) -> dict[str, Any]:
        if self.snapshot is None:
            raise RuntimeError("the step has no starting snapshot")
        torch, numpy = self.torch, self.numpy
        namespace = snapshot.copy_namespace(
            self.snapshot.namespace, torch, numpy, only=self.snapshot.copied
        )
        for name in [n for n in namespace if n in vars(builtins) and n != "__builtins__"]:
            del namespace[name]
        namespace.update(self.trusted_modules())
        with snapshot.RandomStateKept(torch, numpy), captured_output(lambda _s, _t: None):
            snapshot.restore_random_state(self.snapshot, torch, numpy)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the learner's own run shows them, not ours
                outcome = run_source(solution, "<solution>", namespace, display=False)
        if outcome.interrupted:
            raise KeyboardInterrupt
        if not outcome.ok:
            raise RuntimeError(f"the step's solution failed: {first_line(outcome.error)}")
        return namespace

    def run(self, request: CheckRequest, namespace: dict[str, Any]) -> CheckReply:
        from tutor.checks import REGISTRY, CheckContext, run_check

        torch, numpy = self.torch, self.numpy
        start = self.snapshot  # what `before.x` reads in the checks
        ctx = CheckContext(
            namespace=namespace,
            torch=torch,
            numpy=numpy,
            code=request.get("code", ""),
            output=request.get("output", ""),
            solution_runner=lambda: self.solution_namespace(request.get("solution", "")),
            before=None if start is None else start.namespace,
            before_copied=None if start is None else start.copied,
        )
        verdicts = []
        with (
            self._pristine_torch() as replaced,
            snapshot.RandomStateKept(torch, numpy),
            captured_output(lambda _s, _t: None),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            for name, args in request["checks"]:
                verdict = self._one_check(name, lambda: run_check(REGISTRY[name], ctx, args))  # noqa: B023 (called at once)
                verdicts.append(verdict)
                if not verdict.passed:
                    break
            renamed = ""
            if verdicts and verdicts[-1].missing:
                renamed = self._made_under_another_name(
                    ctx, verdicts[-1].missing, request.get("bound", []), namespace
                )
        return {
            "verdicts": verdicts,
            "shadowed": shadowed_names(namespace, torch, numpy)
            + replaced_notes(replaced)
            + class_notes(namespace, request.get("bound", []), torch),
            "renamed": renamed,
        }

    def keep_pristine(self) -> None:
        """Remember torch, NumPy and the built-ins as they are now (the worker is set up, no
        learner code has run): checks run with these, whatever the learner replaces later."""
        self.pristine = Pristine.of(self.torch, self.numpy)

    def _pristine_torch(self) -> AbstractContextManager[list[str]]:
        return self.pristine.restored() if self.pristine is not None else nullcontext([])

    def _one_check(self, name: str, check: Callable[[], Any]) -> Any:
        """One check's verdict; a pass carries plain copies of what it compared, for the front."""
        from tutor.checks.evidence import recording

        with recording() as claims:
            verdict = self._verdict_of(name, check)
        if verdict.passed and claims:
            verdict = dataclasses.replace(verdict, evidence=self._plain(claims))
        return verdict

    def _plain(self, claims: list[Any]) -> tuple[dict[str, Any], ...]:
        """The claims as plain data, within one bound on the values copied for the check."""
        from tutor.checks.evidence import Spec

        room, found = MAX_VALUES, []
        for claim in claims:
            expected = claim.expected
            if _isinstance(expected, Spec):
                wanted = {"kind": "spec", "shape": expected.shape, "dtype": expected.dtype}
            else:
                wanted = self.copier.copy(expected, room)
                room -= _len(wanted.get("data", b"")) // 8
            got = self.copier.copy(claim.got, room)
            room -= _len(got.get("data", b"")) // 8
            found.append(
                {
                    "label": _str(claim.label),
                    "atol": _float(claim.atol),
                    "rtol": _float(claim.rtol),
                    "check_dtype": _bool(claim.check_dtype),
                    "got": got,
                    "expected": wanted,
                }
            )
        return tuple(found)

    def _verdict_of(self, name: str, check: Callable[[], Any]) -> Any:
        # Checks call learner code (`function`, `module`): Ctrl-C must stop it, and an exit()
        # inside it must not end the worker.
        from tutor.checks.base import failed

        try:
            with self.interruptible():
                return check()
        except KeyboardInterrupt:
            return failed(
                "Checking was stopped (KeyboardInterrupt)",
                "Your code ran too long while being checked.",
            )
        except SystemExit:
            return failed(f"Your code called exit() while the check `{name}` ran it")
        except Exception as error:  # a broken check must read as a problem, not a crash
            return failed(
                f"The check `{name}` could not run: {type(error).__name__}: "
                f"{first_line(str(error))}"
            )

    def _made_under_another_name(
        self,
        ctx: Any,
        missing: str,
        bound: list[str],
        namespace: dict[str, Any],
    ) -> str:
        """The name the latest input gave to the value ``missing`` should hold (`y` for
        `output`), or ''."""
        from tutor.checks.compare import compare_values

        try:
            with self.interruptible():
                expected = ctx.solution_value(missing)
                for name in bound:
                    if name != missing and name in namespace:
                        got = namespace[name]
                        if compare_values(name, got, expected, 1e-4, 1e-4, self.torch) is None:
                            return str(name)
        except BaseException:  # only a better message was at stake
            pass
        return ""


_USUAL_MEANINGS = {
    "torch": "the torch module",
    "print": "the built-in print",
    "len": "the built-in len",
}


def shadowed_names(namespace: dict[str, Any], torch: Any, numpy: Any) -> list[str]:
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


def class_notes(namespace: dict[str, Any], bound: list[str], torch: Any) -> list[str]:
    """`criterion = nn.CrossEntropyLoss`: a name the latest input bound to a network, loss or
    optimizer class itself, where one made from it (with `()`) was surely meant."""
    notes = []
    kinds = (torch.nn.Module, torch.optim.Optimizer)
    for name in bound:
        value = namespace.get(name)
        if isinstance(value, type) and issubclass(value, kinds):
            module = str(value.__module__)
            prefix = "nn." if module.startswith("torch.nn") else ""
            prefix = "optim." if module.startswith("torch.optim") else prefix
            arguments = "()" if module.startswith("torch.nn.modules.loss") else "(...)"
            notes.append(
                f"`{name}` holds the class `{prefix}{value.__name__}` itself, not one made from "
                f"it: call it, as in `{name} = {prefix}{value.__name__}{arguments}`."
            )
    return notes


def replaced_notes(replaced: list[str]) -> list[str]:
    """A note on what the learner's code replaced in torch, NumPy or the built-ins."""
    if not replaced:
        return []
    shown = ", ".join(f"`{name}`" for name in replaced[:3]) + (", …" if len(replaced) > 3 else "")
    return [
        f"Your code replaced {shown}. The checks use the real ones, but your own code now "
        "calls the replacement; `%restart` gives you a fresh worker."
    ]


def first_line(text: str, limit: int = 300) -> str:
    """The last meaningful line of an error (torch's can run to a hundred lines), kept short."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    line = lines[-1] if text.startswith("Traceback") and lines else (lines[0] if lines else "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
