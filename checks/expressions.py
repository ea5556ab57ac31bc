"""The learner names an expression reads: `model` in `model[0].weight`, `x` in `before.x.grad`.

A check's `name` may be any expression over the learner's names (`x.grad`, `model.fc1.bias`,
`losses[-1]`), and any expression may read the state at the start of the step through
`before` (`before.model`). The engine still needs to know which learner names a step looks
at, to decide whether an input is an attempt and which names to keep a copy of when the step
begins: those are the *root names* found here::

    >>> root_names("model[0].weight")
    ['model']
    >>> root_names("before.model.fc1.weight - model.fc1.weight")
    ['model']
    >>> root_names("len(losses) > 10")
    ['losses']
"""

from __future__ import annotations

import ast
import builtins
import keyword

# The name under which expressions read the namespace as it was when the step began.
BEFORE = "before"
# Modules every expression gets from the tutor, whatever the learner bound to these names.
TRUSTED = frozenset({"torch", "np", "numpy", "nn", "F"})


def is_plain_name(text: str) -> bool:
    """A bare identifier such as `losses` (not `x.grad`, not a keyword)."""
    return text.isidentifier() and not keyword.iskeyword(text)


def parse(text: str) -> ast.expr | None:
    """The expression's syntax tree, or None when it is not one Python expression."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def root_names(text: str) -> list[str]:
    """The learner names ``text`` reads, in order, without repeats.

    `before.x` counts as reading `x`; the tutor's own modules (`torch`, `np`, `nn`, `F`) and
    built-ins such as `len` do not count, except as the whole expression (a learner may call a
    variable `input`). Text that does not parse gives the part before the first `.` or `[`.
    """
    now, start = split_roots(text)
    return now + [name for name in start if name not in now]


def split_roots(text: str) -> tuple[list[str], list[str]]:
    """The learner names ``text`` reads now, and those it reads through `before.`."""
    if is_plain_name(text):
        return [text], []
    tree = parse(text)
    if tree is None:
        head = text.strip().split(".")[0].split("[")[0].strip()
        return ([head] if is_plain_name(head) and head != BEFORE else []), []
    found: list[tuple[int, int, str, bool]] = []
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_before(node.value):
            skipped.add(id(node.value))
            found.append((node.lineno, node.col_offset, node.attr, True))
        elif isinstance(node, ast.Name) and id(node) not in skipped and _is_learner_name(node.id):
            found.append((node.lineno, node.col_offset, node.id, False))
    bound = _comprehension_names(tree)
    now: list[str] = []
    start: list[str] = []
    for _line, _column, name, at_start in sorted(found):
        names = start if at_start else now
        if name not in bound and name not in names:
            names.append(name)
    return now, start


def root_of(text: str) -> str:
    """The learner name an expression starts from: `model` for `model.fc1.weight`."""
    names = root_names(text)
    return names[0] if names else text


def _is_before(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == BEFORE


def _is_learner_name(name: str) -> bool:
    return name != BEFORE and name not in TRUSTED and not hasattr(builtins, name)


def _comprehension_names(tree: ast.expr) -> set[str]:
    """Names bound inside the expression (`v` in `[v for v in losses]`): not the learner's."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            bound.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Lambda):
            bound.update(a.arg for a in node.args.args)
    return bound
