"""Running one input of learner code the way Python's console does.

Every statement but the last runs with ``exec``; a final bare expression runs in ``single`` mode so
its value is shown by ``sys.displayhook`` (as IPython does). Tracebacks keep only the learner's own
frames, so an error inside torch reads as an error on the learner's line.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import linecache
import traceback
from dataclasses import dataclass, field
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


def compile_input(source: str, filename: str) -> list[Any]:
    """Compile ``source``: the body for ``exec``, then a last expression to display."""
    tree = ast.parse(source, filename=filename, mode="exec")
    body, last = tree.body, None
    if body and isinstance(body[-1], ast.Expr):
        body, last = body[:-1], body[-1]
    codes = []
    if body:
        codes.append(compile(ast.Module(body=body, type_ignores=[]), filename, "exec"))
    if last is not None:
        codes.append(compile(ast.Interactive(body=[last]), filename, "single"))
    return codes


def run_source(
    source: str, filename: str, namespace: dict[str, Any], display: bool = True
) -> Outcome:
    """Run learner ``source`` in ``namespace``; never raises for learner errors."""
    register_source(filename, source)
    try:
        codes = compile_input(source, filename) if display else [compile(source, filename, "exec")]
    except SyntaxError as error:
        return Outcome(ok=False, error=_syntax_error_text(error), error_type=type(error).__name__)
    try:
        for code in codes:
            exec(code, namespace)
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
    return Outcome()


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
