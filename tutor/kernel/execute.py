"""Running one input of learner code the way Python's console does.

Every statement but the last runs with ``exec``; a final bare expression runs in ``single`` mode so
its value is shown by ``sys.displayhook`` (as IPython does). Tracebacks keep only the learner's own
frames, so an error inside torch reads as an error on the learner's line.
"""

from __future__ import annotations

import ast
import linecache
import traceback
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """What running one input did. ``error`` is a short traceback of learner frames, or ''."""

    ok: bool = True
    error: str = ""
    error_type: str = ""
    explanation: list[str] = field(default_factory=list)
    interrupted: bool = False
    exit_code: int | None = None

    def as_message(self) -> dict[str, Any]:
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
            error=learner_traceback(error),
            error_type=type(error).__name__,
            explanation=_explain(error, namespace),
        )
    return Outcome()


def learner_traceback(error: BaseException) -> str:
    """The traceback limited to frames from learner inputs (filenames like ``<input-3>``)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<")]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(frames))
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines).rstrip("\n")


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
