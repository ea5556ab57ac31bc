"""Running one input of learner code the way Python's console does.

Every statement but the last runs with ``exec``; the value of a final bare expression is shown by
``sys.displayhook`` (as IPython does), with a note when it is a method typed without its call.
Tracebacks keep only the learner's own frames, so an error inside torch reads as an error on the
learner's line.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import inspect
import linecache
import re
import sys
import traceback
from dataclasses import dataclass, field
from types import BuiltinMethodType, CodeType, MethodType, ModuleType
from typing import Any

from tutor.kernel.protocol import RunReply


@dataclass
class Outcome:
    """What running one input did. ``error`` is a short traceback of learner frames, or ''."""

    ok: bool = True
    error: str = ""
    error_type: str = ""
    explanation: list[str] = field(default_factory=list)
    interrupted: bool = False
    exit_code: int | None = None

    def as_message(self) -> RunReply:
        return {
            "ok": self.ok,
            "error": self.error,
            "error_type": self.error_type,
            "explanation": self.explanation,
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
        }


def register_source(filename: str, source: str) -> None:
    """Make ``source`` visible to tracebacks and ``inspect.getsource`` under ``filename``."""
    lines = [line + "\n" for line in source.splitlines()]
    linecache.cache[filename] = (len(source), None, lines, filename)


@dataclass
class Compiled:
    """An input compiled as the console runs it: ``body`` for ``exec``, then ``last``, the
    value of a final bare expression, for ``eval`` and ``sys.displayhook`` (``single`` mode
    in two halves, so that the shown value can be looked at: ``value_note``)."""

    body: CodeType | None
    last: CodeType | None = None
    last_node: ast.expr | None = None


def compile_input(source: str, filename: str) -> Compiled:
    """Compile ``source``: the body for ``exec``, then a last expression to display."""
    tree = ast.parse(source, filename=filename, mode="exec")
    body, last = tree.body, None
    if body and isinstance(body[-1], ast.Expr):
        last = body[-1]
        body = body[:-1]
    compiled = Compiled(None)
    if body:
        compiled.body = compile(ast.Module(body=body, type_ignores=[]), filename, "exec")
    if last is not None:
        compiled.last = compile(ast.Expression(body=last.value), filename, "eval")
        compiled.last_node = last.value
    return compiled


def run_source(
    source: str, filename: str, namespace: dict[str, Any], display: bool = True
) -> Outcome:
    """Run learner ``source`` in ``namespace``; never raises for learner errors."""
    register_source(filename, source)
    try:
        if display:
            compiled = compile_input(source, filename)
        else:
            compiled = Compiled(compile(source, filename, "exec"))
    except SyntaxError as error:
        return Outcome(ok=False, error=_syntax_error_text(error), error_type=type(error).__name__)
    notes: list[str] = []
    try:
        if compiled.body is not None:
            exec(compiled.body, namespace)
        if compiled.last is not None and compiled.last_node is not None:
            value = eval(compiled.last, namespace)
            sys.displayhook(value)
            notes = value_note(compiled.last_node, source, value, namespace)
    except KeyboardInterrupt:
        return Outcome(ok=False, interrupted=True, error="KeyboardInterrupt")
    except SystemExit as stop:
        return Outcome(ok=True, exit_code=_exit_code(stop))
    except BaseException as error:  # the learner's error, reported, never propagated
        return Outcome(
            ok=False,
            error=learner_traceback(error, namespace),
            error_type=type(error).__name__,
            explanation=_explain(error, namespace),
        )
    return Outcome(explanation=notes)


def learner_traceback(error: BaseException, namespace: dict[str, Any] | None = None) -> str:
    """The traceback limited to frames from learner inputs (filenames like ``<input-3>``),
    ending with Python's own "Did you mean" suggestion for a misspelt name or attribute."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<")]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(frames))
    lines.extend(traceback.format_exception_only(type(error), error))
    text = "".join(lines).rstrip("\n")
    suggestion = did_you_mean(error, namespace or {})
    if suggestion and "Did you mean" not in text:
        text += f". Did you mean: '{suggestion}'?"
    return text


def did_you_mean(error: BaseException, namespace: dict[str, Any]) -> str:
    """The name Python's console would suggest for a NameError or AttributeError, or ''.

    The console adds it when it prints the error itself (and ``traceback`` only from Python
    3.12 on); the learner's errors are printed by the tutor, so it is found here.
    """
    name = getattr(error, "name", None)
    if not isinstance(name, str):
        return ""
    if isinstance(error, NameError):
        known = [*namespace, *dir(builtins)]
    elif isinstance(error, AttributeError) and getattr(error, "obj", None) is not None:
        try:
            known = dir(error.obj)
        except Exception:
            return ""
    else:
        return ""
    close = difflib.get_close_matches(name, [k for k in known if not k.startswith("__")], n=1)
    return close[0] if close and close[0] != name else ""


def _syntax_error_text(error: SyntaxError) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).rstrip("\n")


def _exit_code(stop: SystemExit) -> int:
    code = stop.code
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _explain(error: BaseException, namespace: dict[str, Any]) -> list[str]:
    try:
        from tutor.checks import explain_error
    except ImportError:  # pragma: no cover - the check library ships with the package
        return []
    try:
        return list(explain_error(error, namespace))
    except Exception:  # an explanation is a bonus; never let it hide the real error
        return []


def value_note(
    expression: ast.expr, source: str, value: object, namespace: dict[str, Any]
) -> list[str]:
    """What to say about a value shown alone: a method typed without its call (`b.numpy`).

    Only a method bound to a value counts (a tensor's, an array's, a model's): a function
    reached from a module (`torch.sum`, `np.random.rand`, `print`) is fine to look at.
    """
    try:
        return _uncalled_method(expression, source, value, namespace)
    except Exception:  # a note is a bonus; a strange object must not turn a run into an error
        return []


def _uncalled_method(
    expression: ast.expr, source: str, value: object, namespace: dict[str, Any]
) -> list[str]:
    if not _is_bound_method(value) or not isinstance(expression, ast.Attribute):
        return []
    if expression.attr.startswith("__") or _module_path(expression, namespace):
        return []
    typed = ast.get_source_segment(source, expression) or ast.unparse(expression)
    if _needs_arguments(value):
        call = f"call it with its arguments: `{typed}(...)`"
    else:
        call = f"call it: `{typed}()`"
    return [f"`{typed}` is the method itself, not its result; {call}."]


def _is_bound_method(value: object) -> bool:
    """A method bound to an object, written in Python (`model.parameters`) or in C
    (`b.numpy`); not a function of a module (`print`), nor one bound to a class."""
    if not isinstance(value, (MethodType, BuiltinMethodType)):
        return False
    owner = getattr(value, "__self__", None)
    return owner is not None and not isinstance(owner, (ModuleType, type))


def _module_path(expression: ast.Attribute, namespace: dict[str, Any]) -> bool:
    """Whether ``expression`` is a dotted path from a module, as `np.random.rand` is."""
    root: ast.expr = expression
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and isinstance(namespace.get(root.id), ModuleType)


def _needs_arguments(method: object) -> bool:
    """Whether ``method`` is called with arguments (`model.forward`, `b.view`); False when
    that is not known."""
    try:
        parameters = inspect.signature(method).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a method written in C, as most of torch's are
        return _documented_arguments(method)
    return any(
        p.kind is p.VAR_POSITIONAL or (p.default is p.empty and p.kind is not p.VAR_KEYWORD)
        for p in parameters
    )


def _documented_arguments(method: object) -> bool:
    """Whether the first line of the docstring, where torch writes a C method's signature
    (`view(*shape) -> Tensor`), gives it arguments with no defaults or a variable number."""
    name = getattr(method, "__name__", "")
    first = (getattr(method, "__doc__", None) or "").strip().partition("\n")[0]
    found = re.match(rf"{re.escape(name)}\((.*?)\)\s*(?:->|$)", first)
    if not name or found is None:
        return False
    try:
        function = ast.parse(f"def _({found.group(1)}): pass").body[0]
    except SyntaxError:
        return False
    if not isinstance(function, ast.FunctionDef):
        return False
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    return (
        arguments.vararg is not None
        or len(positional) > len(arguments.defaults)
        or None in arguments.kw_defaults
    )
