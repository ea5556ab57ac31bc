"""YAML loading that remembers where every value came from.

``load_with_positions(text)`` returns the plain data (dicts, lists, scalars, as ``yaml.safe_load``
would) and a table from each value's path (``("steps", 2, "checks")``) to its 1-based line and
column, so validation errors can say ``lesson1.yaml:42:7``::

    data, positions = load_with_positions("id: x\\nsteps: []\\n")
    positions[("steps",)]   # -> Position(line=2, column=8)

Only the safe loader's node types are built: no Python objects, no arbitrary tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C parser is several times faster; fall back quietly where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


@dataclass(frozen=True)
class Position:
    line: int
    column: int
    block: bool = False  # a block scalar (`|`, `>`): its text starts on the next line


class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``position`` says where the parser stopped."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def load_with_positions(text: str) -> tuple[Any, dict[Path, Position]]:
    """Parse ``text`` safely; return the data and the position of every mapping value and item."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), Position(1, 1)) from None
    if root is None:
        return None, {(): Position(1, 1)}
    positions: dict[Path, Position] = {}
    key_positions: dict[Path, Position] = {}
    try:
        data = _build(root, (), positions, key_positions)
    except RecursionError:
        message = "an alias refers to itself (a recursive `*alias`)"
        raise YamlSyntaxError(message, Position(1, 1)) from None
    except yaml.MarkedYAMLError as error:  # e.g. a tag the safe loader refuses to construct
        raise _syntax_error(error) from None
    # A key's own position is the better place to point at for "unknown field" errors.
    positions.update({path + ("<key>",): pos for path, pos in key_positions.items()})
    return data, positions


def _syntax_error(error: yaml.MarkedYAMLError) -> YamlSyntaxError:
    """The parser's error, placed where it stopped (or where the construct it was in began)."""
    mark = error.problem_mark or error.context_mark
    position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
    return YamlSyntaxError(_describe(error), position)


def _describe(error: yaml.MarkedYAMLError) -> str:
    context = error.context or ""
    mark = error.context_mark
    if context and mark is not None and mark != error.problem_mark:
        context += f" started at {mark.line + 1}:{mark.column + 1}"
    parts = [p for p in (context, error.problem) if p]
    return ", ".join(parts) if parts else "invalid YAML"


def _build(
    node: yaml.Node, path: Path, positions: dict[Path, Position], keys: dict[Path, Position]
) -> Any:
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    positions[path] = Position(node.start_mark.line + 1, node.start_mark.column + 1, block)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTION_TAGS:
        raise YamlSyntaxError(f"the tag {node.tag} is not allowed in a lesson", positions[path])
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            here = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = keys[path + (key,)]
                raise YamlSyntaxError(f"duplicate key '{key}' (first at line {first.line})", here)
            keys[path + (key,)] = here
            result[key] = _build(value_node, path + (key,), positions, keys)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), positions, keys) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar exactly as the safe loader would (ints, floats, bools, nulls, strings)."""
    if not isinstance(node, yaml.ScalarNode):
        raise YamlSyntaxError(
            "a mapping key must be a plain value",
            Position(node.start_mark.line + 1, node.start_mark.column + 1),
        )
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
