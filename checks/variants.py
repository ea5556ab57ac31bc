"""Naming a mistake by finding the small edit to the learner's own code that would fix it.

    lines = explain_by_edits(ctx, "h", Wanted((1, 2), expected))
    # ["`h` adds `B2` where `B1` belongs."]
    lines = explain_by_edits(ctx, "y", Wanted((1, 1)))      # only the shape is known
    # ["`torch.mm(weights.view(5, 1), features)` multiplies a (5, 1) column by a (1, 5) row, ...",
    #  "Put `features` first: `torch.mm(features, weights.view(5, 1))`."]

The learner's last assignment to the checked name is read from the step's code and changed in
one place at a time: the operands of a matrix product swapped or transposed, a term replaced by
another tensor, a missing term added, a term moved inside the activation, products summed, an
activation added or removed. With only a shape to aim at, only the edits that cannot fix the
shape by chance are tried. Each changed expression is evaluated in the learner's namespace;
the first whose result is what the step wants names the mistake, and the advice is verified
before it is given.

Only expressions made of names, arithmetic and calls that neither draw random numbers nor
change anything in place are evaluated. The original expression must give the learner's value
again, so an expression that no longer describes the value (its inputs changed since) is left
alone.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .base import CheckContext
from .reading import dotted, last_assignment, unparse
from .scope import seeded

# Calls that draw random numbers, keep state or talk to the world: never evaluated again.
_IMPURE_CALLS = {
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "randint_like",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
    "dropout",
    "manual_seed",
    "seed",
    "print",
    "input",
    "open",
    "exec",
    "eval",
    "next",
    "iter",
    "backward",
    "step",
    "zero_grad",
    "setattr",
    "delattr",
    "exit",
    "quit",
    "__import__",
}
# Functions that an activation may be, added or removed as a whole.
_ACTIVATIONS = ("torch.sigmoid", "torch.relu", "torch.tanh", "F.sigmoid", "F.relu", "F.softmax")
_MAX_CANDIDATES = 24
_SMALL_FUNCTION = 4  # statements
_MAX_CANDIDATE_SIZE = 1_000_000

Path = tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class Wanted:
    """What the step wants: a value (compared within tolerances) or only a shape."""

    shape: tuple[int, ...]
    value: Any = None  # a float64 CPU tensor, or None when only the shape is known
    atol: float = 1e-4
    rtol: float = 1e-4

    def met_by(self, got: Any, torch: Any) -> bool:
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != self.shape:
            return False
        if self.value is None:
            return True
        mine = got.detach().to("cpu", torch.float64)
        return bool(torch.allclose(mine, self.value, atol=self.atol, rtol=self.rtol))


@dataclass(frozen=True)
class Edit:
    """One change to the expression, the line that names the mistake, and the fix if needed."""

    expression: ast.expr
    cause: str
    advice: str = ""


def explain_by_edits(ctx: CheckContext, label: str, wanted: Wanted) -> list[str]:
    """Lines naming the mistake behind ``label``'s value, or [] when no small edit fixes it."""
    if not label.isidentifier() or label not in ctx.namespace:
        return []
    rhs = last_assignment(ctx.code, label)
    if rhs is None or not _pure(rhs):
        return []
    reader = _Evaluator(ctx)
    original = reader.remember(rhs)
    if original is None or not _same(original, ctx.namespace[label], ctx.torch):
        return []  # the code no longer describes the value: say nothing rather than guess
    exact = wanted.value is not None
    for edit in _edits(rhs, label, ctx, exact, reader):
        if wanted.met_by(reader.value(edit.expression), ctx.torch):
            return [edit.cause, edit.advice] if edit.advice else [edit.cause]
    return []


def reversed_sizes_fix(rhs: ast.expr, got: tuple[int, ...], expected: tuple[int, ...]) -> list[str]:
    """For a value whose two sizes are the other way round, the code that gives them in order.

    `torch.randn(10, 256)` -> `torch.randn(256, 10)`; `images.view(784, -1)` ->
    `images.view(-1, 784)`; `x.T` -> `x`. Nothing is evaluated: the fix follows from the sizes.
    """
    if isinstance(rhs, ast.Attribute) and rhs.attr in ("T", "mT"):
        return [f"`.{rhs.attr}` swaps them: leave it out, `{unparse(rhs.value)}`."]
    if not isinstance(rhs, ast.Call):
        return []
    sizes, pack = _literal_sizes(rhs)
    if sizes is None or len(sizes) != 2:
        return []
    swapped = [sizes[1], sizes[0]]
    total = got[0] * got[1]
    resolved = [
        total // max(1, abs(swapped[1 - i])) if s == -1 else s for i, s in enumerate(swapped)
    ]
    if tuple(resolved) != expected:
        return []
    call = copy.deepcopy(rhs)
    numbers: list[ast.expr] = [_number(s) for s in swapped]
    if pack is None:
        call.args = numbers
    else:
        call.args = [pack(numbers)]
    return [f"Give them in the other order: `{unparse(call)}`."]


def _literal_sizes(call: ast.Call) -> tuple[list[int] | None, Any]:
    """The sizes a call is given as whole numbers (`(10, 256)` or `((10, 256))`), if it is."""
    args: list[ast.expr] = list(call.args)
    pack: Any = None
    if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
        kind = type(args[0])
        args = list(args[0].elts)
        pack = lambda elts: kind(elts, ast.Load())  # noqa: E731 - rebuilds `(a, b)` or `[a, b]`
    if call.keywords:
        return None, None
    sizes = [_int_value(a) for a in args]
    if any(s is None for s in sizes):
        return None, None
    return [s for s in sizes if s is not None], pack


def _int_value(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_value(node.operand)
        return None if inner is None else -inner
    return None


def _number(value: int) -> ast.expr:
    if value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


# ---------------------------------------------------------------------------------------------
# Evaluating expressions again


class _Evaluator:
    """Evaluates expressions in the learner's namespace, seeded and without gradients.

    ``remember`` keeps the tensor value of every part of an expression; later expressions
    reuse them for the parts they share, so an edit recomputes only what it changed (a large
    matrix product is not done again for each edit). The expressions are pure, so the same
    text always has the same value.
    """

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.known: dict[str, Any] = {}

    def remember(self, expression: ast.expr) -> Any:
        """Evaluate ``expression`` part by part, innermost first, keeping each tensor."""
        parts = [node for _, node in _nodes(expression)]
        for node in reversed(parts):  # children come after their parents in `_nodes`
            if isinstance(node, (ast.Name, ast.Constant)) or unparse(node) in self.known:
                continue
            value = self.value(node)
            if isinstance(value, self.ctx.torch.Tensor):
                self.known[unparse(node)] = value
        return self.value(expression)

    def value(self, expression: ast.expr) -> Any:
        torch = self.ctx.torch
        names: dict[str, Any] = {}
        shortened = _Reuse(self.known, names).visit(copy.deepcopy(expression))
        try:
            with seeded(torch), torch.no_grad():
                return self.ctx.evaluate(unparse(shortened), {**self.ctx.namespace, **names})
        except Exception:  # an edit that does not compute: not the fix
            return None


class _Reuse(ast.NodeTransformer):
    """Replaces each part whose value is known by a name bound to that value."""

    def __init__(self, known: dict[str, Any], names: dict[str, Any]) -> None:
        self.known, self.names = known, names

    def visit(self, node: ast.AST) -> ast.AST:
        text = unparse(node) if isinstance(node, ast.expr) else ""
        if text in self.known and not isinstance(node, (ast.Name, ast.Constant)):
            name = f"__tutor_part_{len(self.names)}"
            self.names[name] = self.known[text]
            return ast.Name(name, ast.Load())
        return self.generic_visit(node)


def _same(a: Any, b: Any, torch: Any) -> bool:
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return False
    if a.shape != b.shape:
        return False
    x, y = a.detach().to("cpu", torch.float64), b.detach().to("cpu", torch.float64)
    return bool(torch.allclose(x, y, atol=1e-6, rtol=1e-6, equal_nan=True))


def _pure(expression: ast.expr) -> bool:
    """Whether evaluating ``expression`` again can neither change state nor draw numbers."""
    banned = (ast.Lambda, ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)
    for node in ast.walk(expression):
        if isinstance(node, banned):
            return False
        if isinstance(node, ast.Call):
            name = (dotted(node.func) or "").rsplit(".", 1)[-1]
            if isinstance(node.func, ast.Attribute):
                name = node.func.attr
            in_place = name.endswith("_") and not name.endswith("__")
            if in_place or name in _IMPURE_CALLS:
                return False
    return True


# ---------------------------------------------------------------------------------------------
# The edits, likeliest first


def _edits(
    rhs: ast.expr, label: str, ctx: CheckContext, exact: bool, reader: _Evaluator
) -> Iterator[Edit]:
    yield from _product_edits(rhs, reader)
    tensors = _candidate_tensors(rhs, label, ctx)
    if not exact:
        # With only a shape to aim at, many edits would fix the shape and not the value: only
        # a term swapped for its namesake of another layer (`B1` for `B2`) and products left
        # unsummed are named.
        yield from _replaced_terms(rhs, label, tensors, namesakes_only=True)
        yield from _summed_along_all(rhs)
        yield from _summed(rhs)
        return
    yield from _replaced_terms(rhs, label, tensors)
    yield from _added_terms(rhs, label, tensors)
    yield from _moved_terms(rhs)
    yield from _summed_along_all(rhs)
    yield from _summed(rhs)
    yield from _wrapped(rhs, label, ctx)
    yield from _unwrapped(rhs, label, ctx)


def _product_edits(rhs: ast.expr, reader: _Evaluator) -> Iterator[Edit]:
    """`torch.mm(w.view(5, 1), x)`: operands the wrong way round, or both transposed."""
    for path, node in _nodes(rhs):
        operands = _product_operands(node)
        if operands is None:
            continue
        a, b = operands
        a_value, b_value = reader.value(a), reader.value(b)
        if a_value is None or b_value is None or a_value.dim() != 2 or b_value.dim() != 2:
            continue
        shown = unparse(node)
        sa, sb = _shape(a_value), _shape(b_value)
        swapped = _with_operands(node, b, a)
        if a_value.shape[1] == 1 and b_value.shape[0] == 1:
            rows, cols = a_value.shape[0], b_value.shape[1]
            cause = (
                f"`{shown}` multiplies a {sa} column by a {sb} row, which gives a ({rows}, {cols}) "
                "matrix: an outer product."
            )
        else:
            cause = f"`{shown}` multiplies {sa} by {sb}: the operands are the wrong way round."
        advice = f"Put `{unparse(b)}` first: `{unparse(swapped)}`."
        yield Edit(_replace(rhs, path, swapped), cause, advice)
        transposed = _with_operands(node, _transpose(b), _transpose(a))
        cause = f"`{shown}` is the transpose of the product the step asks for."
        edited = _replace(rhs, path, transposed)
        yield Edit(edited, cause, f"Write `{unparse(transposed)}` instead.")
        untransposed = _strip_transposes(edited)
        if unparse(untransposed) != unparse(edited):
            yield Edit(untransposed, cause, f"Write `{unparse(untransposed)}` instead.")


def _replaced_terms(
    rhs: ast.expr, label: str, tensors: list[str], namesakes_only: bool = False
) -> Iterator[Edit]:
    """`+ B2` where `+ B1` belongs."""
    for path, node in _nodes(rhs):
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, (ast.Add, ast.Sub)):
            continue
        verb = "adds" if isinstance(node.op, ast.Add) else "subtracts"
        for side in ("left", "right"):
            term = getattr(node, side)
            if not _is_term(term):
                continue
            for name in tensors:
                if name == unparse(term):
                    continue
                if namesakes_only and not _namesakes(name, unparse(term)):
                    continue
                changed = copy.copy(node)
                setattr(changed, side, ast.Name(name, ast.Load()))
                cause = f"`{label}` {verb} `{unparse(term)}` where `{name}` belongs."
                yield Edit(_replace(rhs, path, changed), cause)


def _added_terms(rhs: ast.expr, label: str, tensors: list[str]) -> Iterator[Edit]:
    """A forgotten `+ B1`: inside the activation, or at the end."""
    used = {n.id for n in ast.walk(rhs) if isinstance(n, ast.Name)}
    points = _sum_points(rhs)
    for name in (t for t in tensors if t not in used):
        for path, inside in points:
            added = ast.BinOp(_get(rhs, path), ast.Add(), ast.Name(name, ast.Load()))
            where = (
                f"Add it inside `{inside}(...)`, before `{inside}` is applied." if inside else ""
            )
            yield Edit(_replace(rhs, path, added), f"`{label}` is missing `+ {name}`.", where)


def _sum_points(rhs: ast.expr) -> list[tuple[Path, str]]:
    """Where a term may be missing: the whole expression, or the argument of a call (with the
    call's name, `activation`) when that argument is computed."""
    points: list[tuple[Path, str]] = [((), "")]
    for path, node in _nodes(rhs):
        if isinstance(node, ast.Call) and len(node.args) == 1:
            argument = node.args[0]
            if not isinstance(argument, (ast.Name, ast.Constant)):
                points.append(((*path, ("args", 0)), unparse(node.func)))
    return points


def _get(tree: ast.expr, path: Path) -> ast.expr:
    node: Any = tree
    for name, index in path:
        node = getattr(node, name) if index is None else getattr(node, name)[index]
    return node  # type: ignore[no-any-return]


def _moved_terms(rhs: ast.expr) -> Iterator[Edit]:
    """`activation(x @ W1) + B1`: the bias added after the activation instead of before it."""
    for path, node in _nodes(rhs):
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, (ast.Add, ast.Sub)):
            continue
        call, term = node.left, node.right
        if not (isinstance(call, ast.Call) and len(call.args) == 1 and _is_term(term)):
            continue
        inside = copy.copy(call)
        inside.args = [ast.BinOp(call.args[0], node.op, term)]
        function = unparse(call.func)
        cause = (
            f"`{unparse(term)}` is added after `{function}(...)`; it belongs inside, before "
            f"`{function}` is applied."
        )
        yield Edit(_replace(rhs, path, inside), cause)


def _summed_along_all(rhs: ast.expr) -> Iterator[Edit]:
    """`torch.sum(features * weights, dim=0)` where the step adds up every element."""
    for path, node in _nodes(rhs):
        if not (isinstance(node, ast.Call) and unparse(node.func).endswith("sum")):
            continue
        whole = copy.copy(node)
        whole.keywords = [k for k in node.keywords if k.arg not in ("dim", "axis", "keepdim")]
        if unparse(node.func) == "torch.sum":
            whole.args = node.args[:1]
        if unparse(whole) == unparse(node):
            continue
        cause = (
            f"`{unparse(node)}` adds along one dimension only, so not every product is added "
            f"up: `{unparse(whole)}`, without `dim`, adds them all."
        )
        yield Edit(_replace(rhs, path, whole), cause)


def _summed(rhs: ast.expr) -> Iterator[Edit]:
    """`features * weights` where the step adds the products up."""
    for path, node in _nodes(rhs):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            total = ast.Call(ast.parse("torch.sum", mode="eval").body, [node], [])
            cause = (
                f"`{unparse(node)}` multiplies element by element, and its products are not "
                f"added up: `{unparse(total)}` adds them."
            )
            yield Edit(_replace(rhs, path, total), cause)


def _wrapped(rhs: ast.expr, label: str, ctx: CheckContext) -> Iterator[Edit]:
    """A forgotten activation around the whole expression."""
    for function in _candidate_functions(ctx):
        call = ast.Call(ast.parse(function, mode="eval").body, [rhs], [])
        if function == "F.softmax":
            call.keywords = [ast.keyword("dim", ast.Constant(1))]
        cause = f"`{label}` is missing `{function}(...)` around the whole expression."
        yield Edit(call, cause)


def _unwrapped(rhs: ast.expr, label: str, ctx: CheckContext) -> Iterator[Edit]:
    """An activation where the step has none (`torch.sigmoid` on the output layer)."""
    functions = set(_candidate_functions(ctx))
    for path, node in _nodes(rhs):
        if isinstance(node, ast.Call) and len(node.args) == 1 and unparse(node.func) in functions:
            cause = f"`{label}` applies `{unparse(node.func)}`, which does not belong here."
            yield Edit(_replace(rhs, path, node.args[0]), cause)


# ---------------------------------------------------------------------------------------------
# Candidates and small helpers


def _candidate_tensors(rhs: ast.expr, label: str, ctx: CheckContext) -> list[str]:
    """Tensors in the namespace that an expression could add, the latest made first."""
    torch = ctx.torch
    names = [
        name
        for name, value in ctx.namespace.items()
        if name != label
        and not name.startswith("_")
        and isinstance(value, torch.Tensor)
        and value.numel() <= _MAX_CANDIDATE_SIZE
    ]
    return list(reversed(names))[:_MAX_CANDIDATES]


def _candidate_functions(ctx: CheckContext) -> list[str]:
    """The learner's own small one-argument functions (`activation`), then PyTorch's."""
    own = [
        name
        for name, value in ctx.namespace.items()
        if not name.startswith("_") and _small_function(value)
    ]
    return [*own, *_ACTIVATIONS]


def _small_function(value: Any) -> bool:
    """A function of one argument, a few statements long and without loops: safe to call
    again (`activation`, `softmax`), unlike a training loop."""
    if not isinstance(value, types.FunctionType) or value.__code__.co_argcount != 1:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(value)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.FunctionDef) else []
    loops = (ast.For, ast.While, ast.AsyncFor)
    return 0 < len(body) <= _SMALL_FUNCTION and not any(
        isinstance(node, loops) for node in ast.walk(tree)
    )


def _namesakes(a: str, b: str) -> bool:
    """`B1` and `B2`, `bias_1` and `bias_2`: names that differ only in their number."""
    return a.rstrip("0123456789") == b.rstrip("0123456789") and a != b


def _is_term(node: ast.AST) -> bool:
    """A plain name such as `B1` or `model.bias`: what a bias term looks like."""
    return dotted(node) is not None


def _product_operands(node: ast.AST) -> tuple[ast.expr, ast.expr] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node.left, node.right
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    name = dotted(node.func) or ""
    if name in ("torch.mm", "torch.matmul") and len(node.args) == 2:
        return node.args[0], node.args[1]
    func = node.func
    method = isinstance(func, ast.Attribute) and func.attr in ("mm", "matmul")
    if method and len(node.args) == 1:  # `features.mm(weights)`
        return func.value, node.args[0]  # type: ignore[attr-defined]
    return None


def _with_operands(node: ast.expr, a: ast.expr, b: ast.expr) -> ast.expr:
    """The same product, written the same way, of ``a`` and ``b``."""
    if isinstance(node, ast.BinOp):
        return ast.BinOp(a, ast.MatMult(), b)
    assert isinstance(node, ast.Call)
    func = node.func
    if isinstance(func, ast.Attribute) and dotted(func) not in ("torch.mm", "torch.matmul"):
        return ast.Call(ast.Attribute(a, func.attr, ast.Load()), [b], [])
    return ast.Call(func, [a, b], [])


def _transpose(node: ast.expr) -> ast.expr:
    """`x` for `x.T` (or `x.t()`), else `x.T`."""
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return node.value
    if isinstance(node, ast.Call) and not node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "t":
            return func.value
    return ast.Attribute(node, "T", ast.Load())


def _strip_transposes(expression: ast.expr) -> ast.expr:
    """Every `name.T` written as `name` (a bias transposed to match a transposed product)."""

    class Strip(ast.NodeTransformer):
        def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
            if node.attr == "T" and dotted(node.value) is not None:
                return node.value
            return self.generic_visit(node)

    return Strip().visit(copy.deepcopy(expression))  # type: ignore[no-any-return]


def _nodes(tree: ast.expr) -> Iterator[tuple[Path, ast.expr]]:
    """Every expression node with its path from ``tree``, outermost first."""

    def walk(node: ast.AST, path: Path) -> Iterator[tuple[Path, ast.expr]]:
        if isinstance(node, ast.expr):
            yield path, node
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                yield from walk(value, (*path, (name, None)))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        yield from walk(item, (*path, (name, index)))

    yield from walk(tree, ())


def _replace(tree: ast.expr, path: Path, new: ast.expr) -> ast.expr:
    """A copy of ``tree`` with the node at ``path`` replaced by ``new``."""
    if not path:
        return new
    root = copy.deepcopy(tree)
    parent: Any = root
    for name, index in path[:-1]:
        parent = getattr(parent, name) if index is None else getattr(parent, name)[index]
    name, index = path[-1]
    if index is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[index] = new
    return root


def _shape(value: Any) -> str:
    return str(tuple(int(s) for s in value.shape))
