"""The pieces every check is made of: a verdict, the context a check reads, and the registry.

A check is a plain function registered under the name lesson YAML uses::

    @check("defined", shorthand="name")
    def defined(ctx: CheckContext, name: str) -> Verdict:
        \"\"\"`name` is defined in the learner's namespace.\"\"\"
        value = ctx.value(name)          # raises CheckFailed with a clear message when missing
        return passed(f"`{name}` is defined")

and a lesson names it as ``- defined: y`` (the shorthand) or ``- defined: {name: y}``.

This module never imports torch: the front process reads the registry (names, argument schemas)
without paying for torch. Checks run in the worker, where ``ctx.torch`` is the real module.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: plain data that crosses the process boundary.

    ``title`` is one line ("`y` has the wrong shape"); ``details`` are the lines under it
    (expected/got, the cause, the fix). A passing verdict's title says what was confirmed,
    e.g. "`y`: shape (1, 1), value 0.1595".
    """

    passed: bool
    title: str
    details: tuple[str, ...] = ()
    # Set when the check failed only because this learner name doesn't exist yet.
    missing: str = field(default="", compare=False)


def passed(title: str, *details: str) -> Verdict:
    return Verdict(True, title, tuple(details))


def failed(title: str, *details: str) -> Verdict:
    return Verdict(False, title, tuple(d for d in details if d))


class CheckFailed(Exception):
    """Raised inside a check to stop it with a failing verdict (e.g. a name is missing)."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.title)
        self.verdict = verdict


@dataclass
class CheckContext:
    """What a check may look at. Built by the worker for each run of a step's checks.

    - ``namespace``: the learner's live namespace. Read it, never write it.
    - ``torch`` / ``numpy``: the real modules, never looked up in the learner's namespace, so a
      learner who rebinds `torch` cannot break a check.
    - ``code``: every input the learner ran during this step, joined (for ``ast`` checks).
    - ``output``: what those inputs printed.
    - ``solution_namespace()``: the step's solution run on a copy of the namespace as it was
      before the step (computed once, on first use).
    """

    namespace: dict[str, Any]
    torch: Any
    numpy: Any
    code: str = ""
    output: str = ""
    solution_runner: Callable[[], dict[str, Any]] | None = None
    _solution_cache: dict[str, Any] | None = field(default=None, repr=False)

    def value(self, name: str) -> Any:
        """The learner's value for ``name``; stops the check with a clear verdict if missing."""
        if name not in self.namespace:
            title, fix = f"`{name}` is not defined yet", f"Create `{name}` first."
            raise CheckFailed(Verdict(False, title, (fix,), missing=name))
        return self.namespace[name]

    def solution_namespace(self) -> dict[str, Any]:
        if self._solution_cache is None:
            if self.solution_runner is None:
                raise CheckFailed(failed("This step has no solution to compare with"))
            self._solution_cache = self.solution_runner()
        return self._solution_cache

    def solution_value(self, name: str) -> Any:
        ns = self.solution_namespace()
        if name not in ns:
            raise CheckFailed(failed(f"The step's solution does not define `{name}`"))
        return ns[name]

    def evaluate(self, expression: str, namespace: dict[str, Any] | None = None) -> Any:
        """Evaluate an author's expression with trusted `torch`, `np` and real built-ins.

        A learner's `len = None` would otherwise reach the expression: names hiding built-ins
        are left out of its scope.
        """
        import builtins

        real = vars(builtins)
        source = self.namespace if namespace is None else namespace
        scope = {k: v for k, v in source.items() if k not in real or v is real[k]}
        scope.update(self.trusted_names())
        scope["__builtins__"] = builtins
        return eval(expression, scope)

    def trusted_names(self) -> dict[str, Any]:
        names = {"torch": self.torch, "np": self.numpy, "numpy": self.numpy}
        if self.torch is not None:
            names["nn"] = self.torch.nn
            names["F"] = self.torch.nn.functional
        return names


CheckFunction = Callable[..., Verdict]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its YAML name, the function, and how its arguments are written."""

    name: str
    function: CheckFunction
    shorthand: str | None
    targets: tuple[str, ...]

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.function) or ""

    def parameters(self) -> list[inspect.Parameter]:
        params = list(inspect.signature(self.function).parameters.values())
        return params[1:]  # the first is the context

    def normalise(self, args: Any) -> dict[str, Any]:
        """Turn the YAML value (mapping, or a shorthand scalar/list) into keyword arguments."""
        if isinstance(args, dict):
            return dict(args)
        if self.shorthand is None:
            raise TypeError(f"check `{self.name}` takes a mapping of arguments")
        return {self.shorthand: args}

    def target_names(self, args: dict[str, Any]) -> list[str]:
        """Learner names this check looks at (used to decide whether an input touched the step)."""
        names: list[str] = []
        for key in self.targets:
            value = args.get(key)
            if isinstance(value, str):
                names.append(value)
            elif isinstance(value, list):
                names.extend(v for v in value if isinstance(v, str))
        return names

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of this check's arguments, derived from the function's signature."""
        hints = typing.get_type_hints(self.function)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for param in self.parameters():
            properties[param.name] = _schema_for(hints.get(param.name, Any))
            if param.default is inspect.Parameter.empty:
                required.append(param.name)
        mapping: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            mapping["required"] = required
        if self.doc:
            mapping["description"] = self.doc.splitlines()[0]
        if self.shorthand is None:
            return mapping
        return {"anyOf": [mapping, properties[self.shorthand]]}


REGISTRY: dict[str, CheckSpec] = {}


def check(
    name: str, *, shorthand: str | None = None, targets: tuple[str, ...] = ("name", "names")
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under ``name``. ``shorthand`` names the argument a bare value fills.

    ``targets`` lists the arguments that hold learner names the check reads.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        REGISTRY[name] = CheckSpec(name, function, shorthand, targets)
        return function

    return register


def run_check(spec: CheckSpec, ctx: CheckContext, args: dict[str, Any]) -> Verdict:
    """Run one check, turning CheckFailed into its verdict."""
    try:
        return spec.function(ctx, **args)
    except CheckFailed as stop:
        return stop.verdict


_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
}


def _schema_for(annotation: Any) -> dict[str, Any]:
    """A JSON Schema fragment for a simple type hint (str, int, float, bool, list[...], unions)."""
    if annotation in _SCALARS:
        return dict(_SCALARS[annotation])
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [_schema_for(a) for a in args if a is not type(None)]
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is list:
        return {"type": "array", "items": _schema_for(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object"}
    if origin is typing.Literal:
        return {"enum": list(args)}
    return {}
