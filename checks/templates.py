"""Messages with values in them: a lesson's `message` and `success` templates.

A check that computes numbers declares them as *fields* (``@check(..., fields=(...))``); a lesson
may then write its own message with Python's format syntax::

    - loss_falls:
        name: losses
        message: "Your loss went from {first:.3f} to {last:.3f}: train for more epochs."

Numbers print as the tutor prints them (`0.4123`, `12`) unless a format spec such as `.3f` or
`.1%` is given. Field names are checked when the lesson is validated; only plain names are
allowed (no `{x.attr}` or `{x[0]}`), and `{{` / `}}` write a literal brace.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any

from .compare import fmt_number

# The check arguments that hold templates.
TEMPLATE_ARGUMENTS = ("message", "success")


class Number(float):
    """A float that prints as the tutor prints numbers when no format spec is given."""

    def __format__(self, spec: str) -> str:
        return fmt_number(self) if not spec else float.__format__(self, spec)


def field_names(template: str) -> list[str]:
    """The fields a template uses; ValueError when it is not a valid template."""
    names = []
    for _text, name, _spec, _conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            shown = "{}" if name == "" else f"{{{name}}}"
            raise ValueError(f"{shown} is not a field name: write a name such as {{last}}")
        names.append(name)
    return names


def problems(template: str, available: Iterable[str]) -> list[str]:
    """What is wrong with ``template`` for a check that provides ``available`` fields."""
    offered = sorted(available)
    try:
        used = field_names(template)
    except ValueError as error:
        return [f"{template!r} is not a valid message template: {error}"]
    unknown = [name for name in used if name not in offered]
    if not unknown:
        return []
    choices = ", ".join(f"{{{name}}}" for name in offered) or "none"
    return [f"{template!r} uses {{{unknown[0]}}}, which this check does not provide ({choices})"]


def fill(template: str, fields: Mapping[str, Any]) -> str:
    """The template with the fields filled in; an unfillable template says so, in place."""
    values = {name: _plain(value) for name, value in fields.items()}
    try:
        return template.format_map(values)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as error:
        return f"{template} (the message could not be filled in: {type(error).__name__}: {error})"


def titled(template: str | None, default: str, fields: Mapping[str, Any]) -> str:
    """The author's template filled in, or ``default`` when the lesson gives none."""
    return default if template is None else fill(template, fields)


def _plain(value: Any) -> Any:
    """Python numbers for format specs: one-value tensors and NumPy scalars become floats."""
    if isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return Number(value)
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None)
    size = numel() if callable(numel) else getattr(value, "size", None)
    if callable(item) and size == 1:
        try:
            number = item()
        except Exception:  # not a number after all: print it as it is
            return value
        return Number(number) if isinstance(number, float) else number
    return value
