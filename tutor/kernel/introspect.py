"""Looking into the learner's namespace from the worker: completions and a table of variables."""

from __future__ import annotations

import gc
import types
from typing import Any

MAX_COMPLETIONS = 200


def completions(source: str, namespace: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(text to insert, full name, kind)`` for the end of ``source``, from the live namespace.

    jedi's ``Interpreter`` sees real objects (``features.<Tab>`` lists tensor methods); where it
    fails, rlcompleter's simpler attribute walk still answers.
    """
    # jedi makes and drops ~60k objects per call. At the collector's own pace the survivors of
    # young collections pile up until a full collection (0.1 s over torch's objects) stalls one
    # completion in five; collecting the young generations right away keeps each call ~10 ms.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _jedi_completions(source, namespace)
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


def _jedi_completions(source: str, namespace: dict[str, Any]) -> list[tuple[str, str, str]]:
    try:
        import jedi

        lines = source.splitlines() or [""]
        found = jedi.Interpreter(source, [namespace]).complete(len(lines), len(lines[-1]))
        return [(c.complete or "", c.name, c.type) for c in found[:MAX_COMPLETIONS]]
    except Exception:
        return _rlcompleter_fallback(source, namespace)


def _rlcompleter_fallback(source: str, namespace: dict[str, Any]) -> list[tuple[str, str, str]]:
    import re
    import rlcompleter

    match = re.search(r"[\w.]*$", source)
    word = match.group(0) if match else ""
    completer = rlcompleter.Completer(namespace)
    results = []
    for state in range(MAX_COMPLETIONS):
        try:
            found = completer.complete(word, state)
        except Exception:
            break
        if found is None:
            break
        name = found.rstrip("(")
        tail = name.rsplit(".", 1)[-1]
        prefix = word.rsplit(".", 1)[-1]
        results.append((tail[len(prefix) :], tail, "name"))
    return results


def variable_rows(namespace: dict[str, Any], torch: Any, numpy: Any) -> list[dict[str, str]]:
    """One row per learner variable: name, type, shape, dtype, device (or a short value)."""
    rows = []
    for name, value in sorted(namespace.items()):
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if name == "__builtins__":
            continue
        try:
            rows.append(_describe(name, value, torch, numpy))
        except Exception:  # a value whose repr or item() raises still gets its row
            rows.append({"name": name, "type": type(value).__name__, "value": "<cannot show>"})
    return rows


def _describe(name: str, value: Any, torch: Any, numpy: Any) -> dict[str, str]:
    row = {
        "name": name,
        "type": type(value).__name__,
        "shape": "",
        "dtype": "",
        "device": "",
        "value": "",
    }
    if isinstance(value, torch.Tensor):
        row.update(
            shape=str(tuple(value.shape)),
            dtype=str(value.dtype).replace("torch.", ""),
            device=str(value.device),
        )
        if value.numel() == 1:
            row["value"] = f"{value.item():.4g}"
    elif isinstance(value, numpy.ndarray):
        row.update(shape=str(value.shape), dtype=str(value.dtype), device="cpu (NumPy)")
    elif isinstance(value, torch.nn.Module):
        count = sum(p.numel() for p in value.parameters())
        row["value"] = f"{count:,} parameters"
    elif isinstance(value, (types.FunctionType, type)):
        row["value"] = ""  # the type column already says function or type
    elif isinstance(value, torch.device):
        row["value"] = str(value)  # "cpu", not device(type='cpu')
    else:
        text = repr(value)
        row["value"] = text if len(text) <= 40 else text[:37] + "..."
    return row
