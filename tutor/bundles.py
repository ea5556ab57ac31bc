"""Progress bundles: a learner's rows as one JSON file, to collect a class without a server.

    write_bundle(Path("ann.json"), store.dump("ann"), "ann")     # `tutor progress --export`
    rows = read_bundle(Path("ann.json"))                          # `tutor class import`
    store.merge(rows)

A bundle holds the learner's stored rows as they are (one per session and step), so importing
it merges exactly as the sessions themselves would have: importing it twice, or a newer bundle
over an older one, counts nothing twice. Every row must belong to the bundle's learner.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from tutor.progress.store import LessonPlace, Rows, ShownRow, StepRow

FORMAT = "tutor-progress"
VERSION = 1
MAX_BYTES = 64 * 1024 * 1024


class BundleError(Exception):
    """A bundle that cannot be read; the message names the file and the place in it."""


def write_bundle(path: Path, rows: Rows, learner: str) -> None:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "learner": learner,
        "exported": time.time(),
        "steps": [dataclasses.asdict(r) for r in rows.steps],
        "places": [dataclasses.asdict(p) for p in rows.places],
        "shown": [dataclasses.asdict(s) for s in rows.shown],
    }
    try:
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise BundleError(f"cannot write {path}: {error.strerror or error}") from None


def read_bundle(path: Path) -> Rows:
    """The rows in a bundle file, checked; ``BundleError`` says what is wrong and where."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BundleError(f"{path}: larger than {MAX_BYTES // 2**20} MB; not a bundle")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BundleError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise BundleError(f"{path}: not a text file; not a bundle") from None
    except json.JSONDecodeError as error:
        raise BundleError(f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg})") from None
    problem = _problem(data)
    if problem:
        raise BundleError(f"{path}: {problem}")
    return Rows(
        [StepRow(**{**r, "code": tuple(r["code"])}) for r in data["steps"]],
        [LessonPlace(**p) for p in data["places"]],
        [ShownRow(**s) for s in data["shown"]],
    )


_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def _problem(data: Any) -> str:
    """What makes ``data`` not a bundle, or ""."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return f'not a progress bundle (no "format": "{FORMAT}")'
    if data.get("version") != VERSION:
        return f"bundle version {data.get('version')!r}; this tutor reads version {VERSION}"
    learner = data.get("learner")
    if not isinstance(learner, str) or not learner:
        return '"learner" must name the learner'
    for key, kind in (("steps", StepRow), ("places", LessonPlace), ("shown", ShownRow)):
        items = data.get(key)
        if not isinstance(items, list):
            return f'"{key}" must be a list'
        for index, item in enumerate(items):
            problem = _row_problem(item, kind, learner)
            if problem:
                return f"{key}[{index}]: {problem}"
    return ""


def _row_problem(item: Any, kind: type, learner: str) -> str:
    if not isinstance(item, dict):
        return "must be an object"
    fields = {f.name: f.type for f in dataclasses.fields(kind)}
    if set(item) != set(fields):
        missing, extra = sorted(set(fields) - set(item)), sorted(set(item) - set(fields))
        return f"missing {missing}" if missing else f"unknown fields {extra}"
    for name, annotation in fields.items():
        value = item[name]
        if name == "code":
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                return '"code" must be a list of strings'
            continue
        wanted = _TYPES[str(annotation)]
        if not isinstance(value, wanted) or (bool not in wanted and isinstance(value, bool)):
            return f'"{name}" must be a {annotation!s}, not {value!r}'
    if item["learner"] != learner:
        return f"belongs to {item['learner']!r}, not to the bundle's learner {learner!r}"
    return ""
