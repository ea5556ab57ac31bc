"""The pieces every check is made of: a verdict, the context a check reads, and the registry.

A check is a plain function registered under the name lesson YAML uses::

    @check("defined", shorthand="name")
    def defined(ctx: CheckContext, name: str) -> Verdict:
        \"\"\"`name` is defined in the learner's namespace.\"\"\"
        value = ctx.value(name)          # raises CheckFailed with a clear message when missing
        return passed(f"`{name}` is defined")

and a lesson names it as ``- defined: y`` (the shorthand) or ``- defined: {name: y}``.
``ctx.value`` reads any expression over the learner's names (`x.grad`, `model[0].weight`), and
`before.x` reads `x` as it was when the step began.

This module never imports torch: the front process reads the registry (names, argument schemas)
without paying for torch. Checks run in the worker, where ``ctx.torch`` is the real module.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import explain_error
from .expressions import BEFORE, is_plain_name, parse, root_names, split_roots


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
    # On a pass: what was compared, as plain data the front compares again (tutor.verify).
    evidence: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)


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
    - ``before``: the namespace as it was when the step began (a copy the worker keeps), read
      by expressions as `before.model`; ``before_copied`` lists the names copied into it (None:
      all), the others being shared with the live namespace.
    """

    namespace: dict[str, Any]
    torch: Any
    numpy: Any
    code: str = ""
    output: str = ""
    solution_runner: Callable[[], dict[str, Any]] | None = None
    before: dict[str, Any] | None = None
    before_copied: list[str] | None = None
    _solution_cache: dict[str, Any] | None = field(default=None, repr=False)

    def value(self, name: str) -> Any:
        """The learner's value for ``name``, a name or an expression (`x.grad`, `before.x`).

        Stops the check with a clear verdict when a name is missing (``missing`` set to the
        root name, `x` for `x.grad`) or when the expression raises.
        """
        if is_plain_name(name):
            if name not in self.namespace:
                raise CheckFailed(not_defined(name))
            return self.namespace[name]
        return self._read(name, self.namespace, "learner")

    def before_value(self, name: str) -> Any:
        """``name`` (a name or an expression) as it was when the step began."""
        if self.before is None:
            raise CheckFailed(
                failed("This check needs the state at the start of the step, which was not kept")
            )
        for root in split_roots(name)[0]:
            StepStart(self.before, self.before_copied)._lookup(root)  # stops if absent or shared
        return self._read(name, self.before, "before")

    def had_before(self, name: str) -> bool:
        """Whether the learner name ``name`` existed when the step began, and was kept."""
        if self.before is None or name not in self.before:
            return False
        return self.before_copied is None or name in self.before_copied

    def _read(self, expression: str, namespace: dict[str, Any], whose: str) -> Any:
        """Evaluate a name expression: the learner's names win over the tutor's modules."""
        tree = parse(expression)
        if tree is None:
            raise CheckFailed(failed(f"The check's name `{expression}` is not a Python expression"))
        for root in split_roots(expression)[0]:
            if root in namespace:
                continue
            if whose == "learner":
                raise CheckFailed(not_defined(root))
            if whose == "before":
                raise CheckFailed(absent_at_start(root))
            raise CheckFailed(failed(f"The step's solution does not define `{root}`"))
        scope = dict(self.trusted_names())
        scope.update(namespace)
        scope["__builtins__"] = builtins
        if self.before is not None:  # `before` is the tutor's, whatever the learner named so
            scope[BEFORE] = StepStart(self.before, self.before_copied)
        try:
            return eval(compile(ast_expression(tree), "<check>", "eval"), scope)
        except CheckFailed:
            raise
        except Exception as error:
            where = _READ_IN[whose]
            raise CheckFailed(
                failed(
                    f"`{expression}` could not be read{where}: "
                    f"{type(error).__name__}: {_first_line(error)}",
                    *_reading_hints(expression, error),
                    *explain_error(error, namespace),
                )
            ) from error

    def solution_namespace(self) -> dict[str, Any]:
        if self._solution_cache is None:
            if self.solution_runner is None:
                raise CheckFailed(failed("This step has no solution to compare with"))
            self._solution_cache = self.solution_runner()
        return self._solution_cache

    def solution_value(self, name: str) -> Any:
        """``name`` (a name or an expression) in the namespace the step's solution made."""
        ns = self.solution_namespace()
        if not is_plain_name(name):
            return self._read(name, ns, "solution")
        if name not in ns:
            raise CheckFailed(failed(f"The step's solution does not define `{name}`"))
        return ns[name]

    def evaluate(self, expression: str, namespace: dict[str, Any] | None = None) -> Any:
        """Evaluate an author's expression with trusted `torch`, `np` and real built-ins.

        A learner's `len = None` would otherwise reach the expression: names hiding built-ins
        are left out of its scope. `before` is the namespace as the step began.
        """
        real = vars(builtins)
        source = self.namespace if namespace is None else namespace
        scope = {k: v for k, v in source.items() if k not in real or v is real[k]}
        scope.update(self.trusted_names())
        scope["__builtins__"] = builtins
        return eval(expression, scope)

    def trusted_names(self) -> dict[str, Any]:
        names: dict[str, Any] = {"torch": self.torch, "np": self.numpy, "numpy": self.numpy}
        if self.torch is not None:
            names["nn"] = self.torch.nn
            names["F"] = self.torch.nn.functional
        if self.before is not None:
            names[BEFORE] = StepStart(self.before, self.before_copied)
        return names


# Where a name expression was read, as a failing title says it.
_READ_IN = {"learner": "", "before": " as the step began", "solution": " in the step's solution"}


def not_defined(name: str) -> Verdict:
    """The verdict for a learner name that does not exist yet."""
    title, fix = f"`{name}` is not defined yet", f"Create `{name}` first."
    return Verdict(False, title, (fix,), missing=name)


class StepStart:
    """`before` in a check's expressions: the learner's names as they were when the step began.

    ``before.model`` is the copy of `model` the worker took when the step started; reading a
    name that did not exist then stops the check with a verdict that says so.
    """

    def __init__(self, namespace: dict[str, Any], copied: list[str] | None) -> None:
        self._namespace = namespace
        self._copied = None if copied is None else set(copied)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._lookup(name)

    def _lookup(self, name: str) -> Any:
        """The value ``name`` had when the step began; stops the check if there was none."""
        if name not in self._namespace:
            raise CheckFailed(absent_at_start(name))
        if self._copied is not None and name not in self._copied:
            # shared with the live namespace, so it would show today's value, not the start's
            raise CheckFailed(
                failed(
                    f"The check cannot see `{name}` as it was when the step began",
                    "The step keeps a copy only of the names its checks and solution mention.",
                )
            )
        return self._namespace[name]

    def __repr__(self) -> str:
        return "<the learner's names as they were when the step began>"


def absent_at_start(name: str) -> Verdict:
    return failed(
        f"`{name}` did not exist when this step began",
        f"The check compares with `{name}` as it was at the start of the step.",
    )


def ast_expression(tree: Any) -> Any:
    """Wrap a parsed expression node so that it compiles in ``eval`` mode."""
    return ast.fix_missing_locations(ast.Expression(body=tree))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _reading_hints(expression: str, error: BaseException) -> list[str]:
    """Why reading a name expression failed, when the cause is a common one."""
    if isinstance(error, IndexError) and expression.rstrip().endswith("]"):
        return ["Is the list empty, or shorter than that index?"]
    if isinstance(error, AttributeError) and " has no attribute " in str(error):
        attribute = str(error).rsplit(" ", 1)[-1].strip("'\"")
        return [f"The expression asks for `{attribute}`, which that value does not have."]
    return []


CheckFunction = Callable[..., Verdict]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its YAML name, the function, and how its arguments are written."""

    name: str
    function: CheckFunction
    shorthand: str | None
    targets: tuple[str, ...]
    # The values a lesson's `message`/`success` template may use; None: no templates.
    fields: tuple[str, ...] | None = None

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
        """Learner names this check looks at: the root names of its target arguments.

        Used to decide whether an input touched the step and which names the step keeps a
        copy of when it begins: `model` for `model[0].weight` and for `before.model`. A target
        argument left out of ``args`` counts with its default (`optimizer: optimizer`).
        """
        names: list[str] = []
        for text in self._target_texts(args):
            names.extend(n for n in root_names(text) if n not in names)
        return names

    def _target_texts(self, args: dict[str, Any], leave_out: tuple[str, ...] = ()) -> list[str]:
        defaults = {p.name: p.default for p in self.parameters()}
        texts: list[str] = []
        for key in [k for k in self.targets if k not in leave_out]:
            value = args.get(key, defaults.get(key))
            if isinstance(value, dict):  # `values: {first: "losses[0]"}`
                value = list(value.values())
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list):
                texts.extend(v for v in value if isinstance(v, str))
        return texts

    def template_fields(self, args: dict[str, Any]) -> list[str]:
        """The fields a `message`/`success` template may use with these arguments."""
        fields = list(self.fields or ())
        values = args.get("values")
        if isinstance(values, dict):
            fields.extend(str(key) for key in values)
        return fields

    def problems(self, args: dict[str, Any]) -> list[str]:
        """Mistakes in a lesson's arguments found without running the check: a target that is
        not a Python expression, a template using a field this check does not provide."""
        from .templates import TEMPLATE_ARGUMENTS
        from .templates import problems as template_problems

        # `expr` is parsed by the lesson validator already, with its own message
        texts = self._target_texts(args, leave_out=("expr",))
        found = [f"{text!r} is not a Python expression" for text in texts if parse(text) is None]
        if self.fields is not None:
            for key in TEMPLATE_ARGUMENTS:
                if isinstance(args.get(key), str):
                    found.extend(template_problems(args[key], self.template_fields(args)))
        return found

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
    name: str,
    *,
    shorthand: str | None = None,
    targets: tuple[str, ...] = ("name", "names"),
    fields: tuple[str, ...] | None = None,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under ``name``. ``shorthand`` names the argument a bare value fills.

    ``targets`` lists the arguments that hold learner names (or expressions over them) the
    check reads. ``fields`` lists the values its `message` and `success` templates may use.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        REGISTRY[name] = CheckSpec(name, function, shorthand, targets, fields)
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
        values = {"additionalProperties": _schema_for(args[1])} if len(args) == 2 else {}
        return {"type": "object", **values}
    if origin is typing.Literal:
        return {"enum": list(args)}
    return {}
