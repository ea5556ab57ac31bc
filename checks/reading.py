"""Reading the learner's code with `ast`: the statement that failed, and how a value was made.

    statement = failing_statement(error)          # the whole statement, even over several lines
    rhs = last_assignment(ctx.code, "h")          # `activation(torch.mm(features, W1) + B2)`
    found, value = resolve(node, namespace)       # `b.numpy` -> the bound method, without calling

Feedback that quotes the learner's own code reads it here. Nothing in this module runs learner
code: ``resolve`` only looks names and attributes up.
"""

from __future__ import annotations

import ast
import linecache
import os
import textwrap
import traceback
from typing import Any

_NOTHING = object()


def learner_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame in learner code (inputs are compiled as ``<input-3>``).

    Learner code has a pseudo file name in angle brackets; library and tutor code live in real
    files, and ``<string>`` is what check expressions are evaluated as.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        pseudo = name.startswith("<") and not name.startswith(("<frozen", "<string>"))
        if pseudo and not os.path.exists(name):
            return frame
    return None


def learner_scope(exc: BaseException) -> dict[str, Any]:
    """The names the learner's failing line could see: its function's locals over the globals."""
    tb = exc.__traceback__
    scope: dict[str, Any] = {}
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<") and not name.startswith(("<frozen", "<string>")):
            scope = {**tb.tb_frame.f_globals, **tb.tb_frame.f_locals}
        tb = tb.tb_next
    return scope


def failing_text(exc: BaseException) -> str:
    """The source of the learner's failing statement, all its lines, dedented; '' if unknown."""
    frame = learner_frame(exc)
    if frame is None or frame.lineno is None:
        return ""
    end = getattr(frame, "end_lineno", None) or frame.lineno
    lines = [linecache.getline(frame.filename, n) for n in range(frame.lineno, end + 1)]
    text = textwrap.dedent("".join(lines)).strip()
    return text or (frame.line or "").strip()


def failing_statement(exc: BaseException) -> ast.AST | None:
    """The learner's failing statement, parsed; None when it cannot be read.

    A statement that opens a block (`def f(x):`, `for ...:`) does not parse alone: its first
    line is read as an expression instead, which is where such errors point.
    """
    text = failing_text(exc)
    if not text:
        return None
    for source in (text, text.splitlines()[0].rstrip(":")):
        try:
            return ast.parse(source)
        except SyntaxError:
            continue
    return None


def last_assignment(code: str, name: str) -> ast.expr | None:
    """The expression last assigned to ``name`` at the top level of ``code`` (`name = ...`)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    found: ast.expr | None = None
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in statement.targets):
                found = statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target = statement.target
            if isinstance(target, ast.Name) and target.id == name:
                found = statement.value
        elif _rebinds(statement, name):
            found = None  # changed in another way (`h += 1`, `del h`, a loop): not readable
    return found


def _rebinds(statement: ast.stmt, name: str) -> bool:
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True
    return False


def dotted(node: ast.AST) -> str | None:
    """`F.relu` for an attribute chain on a name, `x` for a name; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *parts])


def resolve(node: ast.AST, namespace: dict[str, Any]) -> tuple[bool, Any]:
    """Look up a name or attribute chain in ``namespace`` without calling anything."""
    if isinstance(node, ast.Name):
        value = namespace.get(node.id, _NOTHING)
        return value is not _NOTHING, (None if value is _NOTHING else value)
    if isinstance(node, ast.Attribute):
        found, owner = resolve(node.value, namespace)
        if not found:
            return False, None
        try:
            return True, getattr(owner, node.attr)
        except Exception:  # a property that raises: nothing to read
            return False, None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        found, owner = resolve(node.value, namespace)
        # only containers of modules (`model[0]`): indexing a tensor would copy data
        if not found or type(owner).__name__ not in ("Sequential", "ModuleList", "list", "tuple"):
            return False, None
        try:
            return True, owner[node.slice.value]
        except Exception:  # an index out of range: nothing to read
            return False, None
    return False, None


def calls_in(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def called_name(call: ast.Call) -> str:
    """The name a call is made by: `optimizer.zero_grad()` gives "zero_grad", `Net()` "Net"."""
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def unparse(node: ast.AST) -> str:
    return ast.unparse(node)
