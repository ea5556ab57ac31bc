"""Finding every problem in a parsed lesson: schema errors in words, then what a schema can't say.

``find_problems(data, positions)`` returns ``(Position, message)`` pairs; ``tutor.lesson`` adds the
file name. Messages are written for lesson authors: the field by name, a suggestion when a name is
close to a known one, never a dump of the schema.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from tutor.didyoumean import did_you_mean
from tutor.yamlsource import Path, Position

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
    "null": "empty",
}


@cache
def _validator() -> Draft202012Validator:
    from tutor.schema import lesson_schema

    return Draft202012Validator(lesson_schema())


def find_problems(data: Any, positions: dict[Path, Position]) -> list[tuple[Position, str]]:
    """Schema problems, then duplicate ids, wrong answers, check arguments and code syntax."""
    if not isinstance(data, dict):
        return [
            (positions.get((), Position(1, 1)), "a lesson must be a mapping with id, title, steps")
        ]
    errors = list(_leaf_errors(data))
    problems = list(dict.fromkeys(_describe(error, positions) for error in errors))
    if isinstance(data.get("steps"), list):
        # Every problem at once: steps the schema accepted are checked further.
        broken = {e.absolute_path[1] for e in errors if _in_a_step(tuple(e.absolute_path))}
        problems.extend(_semantic_problems(data, positions, broken))
    return list(dict.fromkeys(problems))


def _in_a_step(path: Path) -> bool:
    return len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int)


def _leaf_errors(data: Any) -> Iterator[ValidationError]:
    for error in _validator().iter_errors(data):
        # Combinators (anyOf, if/then) wrap the errors that say what is actually wrong.
        while error.context:
            error = best_match(error.context)
        yield error


def _field(path: Path) -> str:
    named = [p for p in path if isinstance(p, str)]
    return f"'{named[-1]}'" if named else "the lesson"


def _where(path: Path, positions: dict[Path, Position], key: bool = False) -> Position:
    if key and path + ("<key>",) in positions:
        return positions[path + ("<key>",)]
    while path not in positions and path:
        path = path[:-1]
    return positions.get(path, Position(1, 1))


def _describe(error: ValidationError, positions: dict[Path, Position]) -> tuple[Position, str]:
    path = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        present: Any = error.instance
        missing = [name for name in schema.get("required", []) if name not in present]
        what = _owner(path)
        return _where(path, positions), f"{what} is missing required field '{missing[0]}'"
    if kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        instance: Any = error.instance
        extra: str = next(k for k in instance if k not in known)
        where = _where(path + (extra,), positions, key=True)
        return where, f"unknown field '{extra}'{did_you_mean(str(extra), known)}"
    if kind == "propertyNames" or "propertyNames" in error.relative_schema_path:
        name: str = str(error.instance)
        choices = [str(c) for c in schema.get("enum", [])] or _check_names()
        where = _where(path + (name,), positions, key=True)
        return where, f"unknown check '{name}'{did_you_mean(str(name), choices)}"
    if kind in ("minProperties", "maxProperties") and len(path) >= 3 and path[-2] == "checks":
        return _where(path, positions), "a check is written as one name with its arguments"
    if (
        kind == "type"
        and len(path) >= 2
        and path[-2] == "checks"
        and isinstance(error.instance, str)
    ):
        return (
            _where(path, positions),
            f"a check is written as `- name: arguments`; is a colon missing in '{error.instance}'?",
        )
    if kind == "type":
        wanted = schema.get("type")
        words = _TYPE_WORDS.get(wanted, str(wanted)) if isinstance(wanted, str) else "valid"
        return _where(path, positions), f"{_field(path)} must be {words}"
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in schema.get("enum", []))
        return _where(path, positions), f"{_field(path)} must be one of {allowed}"
    if kind == "minItems":
        count = schema.get("minItems")
        noun = "item" if count == 1 else "items"
        return _where(path, positions), f"{_field(path)} needs at least {count} {noun}"
    if kind == "minLength":
        return _where(path, positions), f"{_field(path)} must not be empty"
    if kind == "pattern":
        return (
            _where(path, positions),
            f"{_field(path)} must start with a letter or digit and use only letters, digits, "
            "'-', '_' and '.'",
        )
    return _where(path, positions), f"{_field(path)}: {error.message}"


def _check_names() -> list[str]:
    from tutor.checks import REGISTRY

    return sorted(REGISTRY)


def _owner(path: Path) -> str:
    if len(path) >= 2 and path[-2] in ("steps", "options"):
        return f"{path[-2][:-1]} {int(path[-1]) + 1}"
    return "the lesson" if not path else _field(path)


def _semantic_problems(
    data: dict[str, Any], positions: dict[Path, Position], broken: set[Any]
) -> list[Any]:
    problems: list[tuple[Position, str]] = []
    problems.extend(_code_problems(data.get("setup"), ("setup",), positions))
    seen: dict[str, int] = {}
    for index, step in enumerate(data["steps"]):
        here: Path = ("steps", index)
        if not isinstance(step, dict) or not isinstance(step.get("id"), str):
            continue
        step_id = step["id"]
        if step_id in seen:
            problems.append(
                (
                    positions[here + ("id",)],
                    f"step id '{step_id}' is used twice (first by step {seen[step_id] + 1})",
                )
            )
        seen.setdefault(step_id, index)
        if index not in broken:
            problems.extend(_step_problems(step, here, positions))
    return problems


def _step_problems(
    step: dict[str, Any], here: Path, positions: dict[Path, Position]
) -> list[tuple[Position, str]]:
    problems: list[tuple[Position, str]] = []
    kind = step.get("kind", "code")
    if kind == "choice":
        texts = [o if isinstance(o, str) else o["text"] for o in step["options"]]
        for number, text in enumerate(texts):
            if text in texts[:number]:
                where = _where(
                    here
                    + (
                        "options",
                        number,
                    ),
                    positions,
                )
                problems.append((where, f"option '{text}' is listed twice"))
        problems.extend(_number_options(texts, here, positions))
        if step["answer"] not in texts:
            problems.append(
                (
                    positions[here + ("answer",)],
                    f"answer '{step['answer']}' is not one of the options "
                    f"({', '.join(texts)}){did_you_mean(step['answer'], texts)}",
                )
            )
        for field_name in ("solution", "checks", "given"):
            if field_name in step:
                problems.append(
                    (
                        _where(here + (field_name,), positions, key=True),
                        f"'{field_name}' belongs to code steps; "
                        "a choice step has options and answer",
                    )
                )
    elif "options" in step or "answer" in step:
        field_name = "options" if "options" in step else "answer"
        problems.append(
            (
                _where(here + (field_name,), positions, key=True),
                f"'{field_name}' belongs to choice steps: add `kind: choice`",
            )
        )
    for field_name in ("given", "solution"):
        problems.extend(_code_problems(step.get(field_name), here + (field_name,), positions))
    for number, item in enumerate(step.get("checks", [])):
        problems.extend(
            _check_problems(
                item,
                here
                + (
                    "checks",
                    number,
                ),
                positions,
            )
        )
    return problems


def _number_options(
    texts: list[str], here: Path, positions: dict[Path, Position]
) -> list[tuple[Position, str]]:
    """The first option written as a bare whole number that a typed option number would hit.

    Learners may answer with an option's number, and an option's text wins over its number:
    with options `0, 1, 2, 3`, typing `3` for the third option chooses the fourth. Options
    `1, 2, 3, 4` in that order are safe (each is its own number), and so is `10` among four.
    """
    for position, text in enumerate(texts, start=1):
        bare = text.strip().strip("`").strip()
        if not (bare.isascii() and bare.isdigit()):
            continue
        number = int(bare)
        if 1 <= number <= len(texts) and number != position:
            message = (
                f"option {position} is the bare number '{bare}': a learner who types {number} "
                f"to choose option {number} ('{texts[number - 1]}') gets this one, since an "
                f"option's text wins over its number. Write the options in words, such as "
                f"'label {bare}'"
            )
            return [(_where(here + ("options", position - 1), positions), message)]
    return []


def _check_problems(item: dict[str, Any], here: Path, positions: dict[Path, Position]) -> list[Any]:
    from tutor.checks import REGISTRY

    ((name, args),) = item.items()
    spec = REGISTRY[name]
    if spec.shorthand is None and not isinstance(args, dict):
        return [(_where(here + (name,), positions), f"check '{name}' takes a mapping of arguments")]
    where = _where(here + (name,), positions)
    # the check's own findings: names that are not expressions, unknown template fields
    problems = [
        (where, f"check '{name}': {problem}") for problem in spec.problems(spec.normalise(args))
    ]
    for expression, parsed in _expressions(spec.normalise(args)):
        try:
            ast.parse(parsed, mode="eval")
        except SyntaxError as error:
            message = f"check '{name}': {expression!r} is not a Python expression ({error.msg})"
            problems.append((_where(here + (name,), positions), message))
        except (RecursionError, MemoryError):  # a 3,000-term sum exhausts the parser's stack
            message = f"check '{name}': {_shorten(expression)!r} {_TOO_DEEP}"
            problems.append((_where(here + (name,), positions), message))
    return problems


_TOO_DEEP = "is nested too deeply for Python to compile"


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _expressions(args: dict[str, Any]) -> list[tuple[str, str]]:
    """(as written, as parsed) for each expression in a check's arguments.

    A `function` input is the text between a call's parentheses (`x, dim=1`), so it is parsed
    as such a call.
    """
    found = []
    for key in ("expr", "input"):
        if isinstance(args.get(key), str):
            found.append((args[key], args[key]))
    inputs = args.get("inputs", [])
    found.extend((v, f"f({v})") for v in inputs if isinstance(v, str))
    return found


def _code_problems(code: Any, path: Path, positions: dict[Path, Position]) -> list[Any]:
    if not isinstance(code, str) or not code.strip():
        return []
    try:
        compile(code, "<lesson>", "exec")
    except SyntaxError as error:
        start = positions[path]
        # A block scalar (`|`) begins on the line after its indicator, and keeps its lines; a
        # quoted one may hold many lines ("a\nb") on one line of the file: point at its start.
        line = start.line + (error.lineno or 1) if start.block else start.line
        return [(Position(line, start.column), f"{_field(path)} is not valid Python: {error.msg}")]
    except (RecursionError, MemoryError):  # a 3,000-term sum exhausts the compiler's stack
        message = f"{_field(path)} {_TOO_DEEP} (split it into several statements)"
        return [(positions[path], message)]
    return []
