"""Checks on how the learner's code is written, read with `ast` (never by matching text).

Use them sparingly: the tutor checks results, not spelling. They are for steps whose point is a
technique, such as "multiply with `torch.mm`" or "without a loop".

Calls are matched by meaning, not spelling: `torch.mm(a, b)`, `a.mm(b)` and `t.mm(a, b)` after
`import torch as t` all count as `torch.mm`; `F.relu` is `torch.nn.functional.relu` whether it
was imported in this step or in the lesson's setup.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed

# The names a lesson's setup binds; imports in the learner's code override them.
_STANDARD_ALIASES = {
    "torch": "torch",
    "np": "numpy",
    "numpy": "numpy",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "optim": "torch.optim",
}

_OPERATORS: dict[str, type[ast.operator]] = {
    "@": ast.MatMult,
    "*": ast.Mult,
    "/": ast.Div,
    "+": ast.Add,
    "-": ast.Sub,
    "**": ast.Pow,
}

_LOOPS = {"for": (ast.For, ast.AsyncFor, ast.comprehension), "while": (ast.While,)}


@check("uses", shorthand="any_of", targets=())
def uses(ctx: CheckContext, any_of: list[str], message: str | None = None) -> Verdict:
    """The learner's code for this step uses at least one of the given calls or operators.

    ```yaml
    - uses: [torch.mm, torch.matmul, "@"]
    - uses:
        any_of: [view, reshape, resize_]
        message: "Reshape `weights` with `view`, `reshape` or `resize_`."
    ```
    Entries are dotted calls (`torch.mm`, `F.relu`, `nn.Linear`), method names (`view`),
    operators (`@`, `*`, `/`, `+`, `-`, `**`) or loops (`for`, `while`). `message`, when given,
    is the title of a failing verdict.
    """
    tree = _parse(ctx.code)
    for target in any_of:
        found = _find(tree, target)
        if found is not None:
            return passed(f"Your code uses {_show(target)} (line {found})")
    options = _alternatives(any_of)
    if not ctx.code.strip():
        return failed(message or f"This step asks for {options}", "You have not run any code yet.")
    fix = f"Rewrite the computation with {options}." if message is None else ""
    return failed(message or f"Your code does not use {options}", fix)


@check("avoids", shorthand="any_of", targets=())
def avoids(ctx: CheckContext, any_of: list[str], message: str | None = None) -> Verdict:
    """The learner's code for this step uses none of the given loops, calls or operators.

    ```yaml
    - avoids: [for, while]
    - avoids: {any_of: [for], message: "Compute all 64 rows at once, without a loop."}
    ```
    Entries are written as for `uses`; `for` also covers comprehensions. `message`, when
    given, is the title of a failing verdict.
    """
    tree = _parse(ctx.code)
    for target in any_of:
        found = _find(tree, target)
        if found is not None:
            return failed(
                message or f"Your code uses {_show(target)} (line {found})",
                f"found at line {found}" if message else "",
                _avoid_reason(target),
            )
    return passed(f"No {_alternatives(any_of, article=False)} in your code")


def _avoid_reason(target: str) -> str:
    if target in _LOOPS:
        return "This step asks for tensor operations, which work on every element at once."
    return f"This step asks you to do it without {_show(target)}."


def _parse(code: str) -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError as error:
        raise CheckFailed(
            failed(
                "Your code for this step could not be read as Python",
                f"line {error.lineno}: {error.msg}",
            )
        ) from error


def _show(target: str, article: bool = True) -> str:
    if target in _LOOPS:
        return f"a `{target}` loop" if article else f"`{target}` loop"
    return f"`{target}`"


def _alternatives(targets: list[str], article: bool = True) -> str:
    """`torch.mm`, `torch.matmul` or `@`."""
    shown = [_show(t, article) for t in targets]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _find(tree: ast.Module, target: str) -> int | None:
    """The line of the first use of ``target`` in ``tree``, or None."""
    if target in _LOOPS:
        return _first_line(tree, _LOOPS[target])
    if target in _OPERATORS:
        op = _OPERATORS[target]
        for node in ast.walk(tree):
            if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, op):
                return node.lineno
        return None
    aliases = _aliases(tree)
    wanted = _canonical(target.split("."), _STANDARD_ALIASES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _matches(_call_name(node, aliases), wanted):
            return node.lineno
    return None


def _first_line(tree: ast.Module, kinds: tuple[type[ast.AST], ...]) -> int | None:
    for node in ast.walk(tree):
        if isinstance(node, kinds):
            # a comprehension has no line of its own: report the expression around it
            line: Any = getattr(node, "lineno", None)
            if line is None:
                line = getattr(getattr(node, "iter", None), "lineno", 1)
            return int(line)
    return None


@dataclass(frozen=True)
class _CallName:
    """A call's target: `torch.mm` (a function of a module) or `.mm` (a method of a value)."""

    dotted: str
    is_method: bool


def _call_name(node: ast.Call, aliases: dict[str, str]) -> _CallName | None:
    parts: list[str] = []
    func: ast.expr = node.func
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.insert(0, func.id)
        if func.id == "self" and len(parts) == 2:
            # `self.sigmoid(x)` calls a part of the module, not the tensor method `sigmoid`
            return _CallName(".".join(parts), is_method=False)
        if func.id in aliases:
            return _CallName(_canonical(parts, aliases), is_method=False)
        if len(parts) == 1:
            return _CallName(parts[0], is_method=False)
    # `features.mm(w)`, `torch.exp(x).sum()`: a method called on a value
    return _CallName(parts[-1], is_method=True) if parts else None


def _canonical(parts: list[str], aliases: dict[str, str]) -> str:
    head = aliases.get(parts[0], parts[0])
    return ".".join([head, *parts[1:]])


def _matches(call: _CallName | None, wanted: str) -> bool:
    if call is None:
        return False
    if call.dotted == wanted:
        return True
    last = wanted.rsplit(".", 1)[-1]
    if "." not in wanted:
        # a bare name matches a method or a function of that name: `view`, `sum`
        return call.dotted.rsplit(".", 1)[-1] == last
    # `torch.mm` is also the tensor method `a.mm(b)`, and `torch.Tensor.numpy` is `b.numpy()`;
    # `torch.nn.functional.sigmoid` has no such twin
    owner = wanted.rsplit(".", 1)[0]
    return call.is_method and owner in ("torch", "torch.Tensor") and call.dotted == last


def _aliases(tree: ast.Module) -> dict[str, str]:
    """What each imported name stands for: `import torch as t` makes `t` mean `torch`."""
    aliases = dict(_STANDARD_ALIASES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases
