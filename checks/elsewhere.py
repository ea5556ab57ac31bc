"""Names that an earlier built-in lesson made: explaining a NameError for one of them.

    lines = from_earlier_lesson("activation", namespace)
    # ["`activation` was defined in lesson1 (Tensors in PyTorch), and each lesson starts ...",
    #  "PyTorch's `torch.sigmoid` computes the same: use it, or define `activation` again."]

Everything is read from the lesson files (their setup, given code and solutions), so a new
lesson needs no change here. Which lesson is being taken is read from the namespace: it is the
lesson whose setup made the most of the names present. When two lessons fit equally well,
nothing is said.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

# Names every lesson may have whatever its setup says.
_COMMON = frozenset({"torch", "np", "numpy", "nn", "F", "device"})
_MAX_TENSORS_LISTED = 4

# PyTorch functions an earlier lesson's own function may turn out to equal.
_TORCH_TWINS: tuple[tuple[str, Callable[[Any, Any], Any]], ...] = (
    ("torch.sigmoid", lambda torch, x: torch.sigmoid(x)),
    ("torch.tanh", lambda torch, x: torch.tanh(x)),
    ("torch.relu", lambda torch, x: torch.relu(x)),
    ("torch.exp", lambda torch, x: torch.exp(x)),
    ("torch.softmax(x, dim=1)", lambda torch, x: torch.softmax(x, dim=1)),
)


@dataclass(frozen=True)
class LessonNames:
    """What one built-in lesson binds: names from its setup, and each name its steps make."""

    id: str
    title: str
    setup: frozenset[str]
    made: dict[str, str] = field(default_factory=dict)  # name -> the statement that makes it

    def binds(self, name: str) -> bool:
        return name in self.setup or name in self.made


def from_earlier_lesson(name: str, namespace: dict[str, Any]) -> list[str]:
    """Lines saying that ``name`` belongs to an earlier lesson, and what to use instead."""
    lessons = builtin_lesson_names()
    current = current_lesson(lessons, namespace)
    if current is None or lessons[current].binds(name):
        return []
    earlier = [lesson for lesson in lessons[:current] if name in lesson.made]
    if not earlier:
        return []
    origin = earlier[-1]
    statement = origin.made[name]
    made = "defined" if statement.startswith(("def ", "class ")) else "made"
    return [
        f"`{name}` was {made} in {origin.id} ({origin.title}), and each lesson starts with a "
        "fresh namespace: names from other lessons do not carry over.",
        _what_to_use(name, statement, namespace),
    ]


def current_lesson(lessons: tuple[LessonNames, ...], namespace: dict[str, Any]) -> int | None:
    """The index of the lesson whose setup fits the namespace best; None when unclear."""
    scores = []
    for index, lesson in enumerate(lessons):
        own = lesson.setup - _COMMON
        if all(n in namespace for n in own):
            scores.append((len(own), index))
    if not scores:
        return None
    scores.sort(reverse=True)
    if len(scores) > 1 and scores[0][0] == scores[1][0]:
        return None
    return scores[0][1]


def _what_to_use(name: str, statement: str, namespace: dict[str, Any]) -> str:
    if statement.startswith("def "):
        twin = _torch_twin(name, statement)
        if twin:
            return f"PyTorch's `{twin}` computes the same: use it, or define `{name}` again."
        return f"Define `{name}` again in this lesson if you need it."
    torch = sys.modules.get("torch")
    tensors = [
        key
        for key, value in namespace.items()
        if torch is not None and not key.startswith("_") and isinstance(value, torch.Tensor)
    ][:_MAX_TENSORS_LISTED]
    if tensors:
        listed = ", ".join(f"`{t}`" for t in tensors)
        return f"The tensors you have in this lesson: {listed}."
    return f"Make `{name}` again in this lesson if you need it."


def _torch_twin(name: str, statement: str) -> str:
    """The PyTorch function that gives what the lesson's function gave, on a random batch."""
    torch: Any = sys.modules.get("torch")  # only in the worker, where torch is loaded already
    if torch is None:
        return ""
    scope: dict[str, Any] = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional}
    try:
        exec(compile(statement, "<earlier lesson>", "exec"), scope)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            probe = torch.randn(4, 5)
        result = scope[name](probe.clone())
        for text, twin in _TORCH_TWINS:
            if torch.allclose(result, twin(torch, probe.clone()), atol=1e-6):
                return text
    except Exception:  # a function that needs other names or inputs: no twin to offer
        return ""
    return ""


@functools.lru_cache(maxsize=1)
def builtin_lesson_names() -> tuple[LessonNames, ...]:
    """Every built-in lesson's names, in the order the lessons are taken (lesson1, lesson2...)."""
    import yaml

    folder = resources.files("tutor.lessons")
    files = [f for f in folder.iterdir() if f.name.endswith(".yaml")]
    lessons = []
    for file in sorted(files, key=lambda f: _natural(f.name)):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
            lessons.append(_lesson_names(file.name.removesuffix(".yaml"), data))
        except Exception:  # a broken lesson file is `tutor validate`'s to report
            continue
    return tuple(lessons)


def _natural(name: str) -> tuple[str, int]:
    stem = name.removesuffix(".yaml")
    prefix = stem.rstrip("0123456789")
    number = stem[len(prefix) :]
    return prefix, int(number) if number else 0


def _lesson_names(lesson_id: str, data: dict[str, Any]) -> LessonNames:
    setup = frozenset(n for n in _bound(str(data.get("setup") or "")) if not n.startswith("_"))
    made: dict[str, str] = {}
    for step in data.get("steps") or []:
        for key in ("given", "solution"):
            for statement_name, source in _bound_statements(str(step.get(key) or "")):
                made.setdefault(statement_name, source)
    return LessonNames(lesson_id, str(data.get("title", lesson_id)), setup, made)


def _bound(code: str) -> set[str]:
    return {name for name, _ in _bound_statements(code)}


def _bound_statements(code: str) -> list[tuple[str, str]]:
    """(name, statement source) for every name a piece of code binds at its top level."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for statement in tree.body:
        source = ast.get_source_segment(code, statement) or ""
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            found.append((statement.name, source))
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                found.append(((alias.asname or alias.name).split(".")[0], source))
        else:
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    found.append((node.id, source))
    return found
