"""YAML loading that remembers where every value came from.

``load_with_positions(text)`` returns the plain data (dicts, lists, scalars, as ``yaml.safe_load``
would) and a table from each value's path (``("steps", 2, "checks")``) to its 1-based line and
column, so validation errors can say ``lesson1.yaml:42:7``::

    data, positions = load_with_positions("id: x\\nsteps: []\\n")
    positions[("steps",)]   # -> Position(line=2, column=8)

Only the safe loader's node types are built: no Python objects, no arbitrary tags. A lesson is a
file from a stranger, so reading and loading are bounded (``read_source`` and the limits below):
a "billion laughs" of nested `*aliases`, a 100,000-deep `[[[…` or a link to /dev/zero ends in one
``YamlSyntaxError`` naming the limit, not in an out-of-memory kill or a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import yaml

try:  # the C parser is several times faster; fall back quietly where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]

_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

# Limits for a lesson file, each far above what a real lesson needs (the built-in ones are
# under 40 KB, nest 6 levels and hold about 2,000 values).
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 50  # libyaml's parser slows with the square of flow nesting, and composing recurses
MAX_VALUES = 100_000  # values after `*aliases` are expanded
MAX_CHARACTERS = 4_000_000  # text after `*aliases` are expanded


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


class SourceTooLarge(Exception):
    """The file is larger than a lesson may be (or endless, like /dev/zero)."""


def read_source(path: FilePath) -> str:
    """The file's text, read no further than ``MAX_FILE_BYTES``; raises ``SourceTooLarge``.

    OSError and UnicodeDecodeError pass through for the caller to word.
    """
    with path.open("rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES / 1_000_000:g} MB"
        raise SourceTooLarge(f"the file is larger than {limit}, the limit for a lesson file")
    return data.decode("utf-8")


def load_with_positions(text: str) -> tuple[Any, dict[Path, Position]]:
    """Parse ``text`` safely; return the data and the position of every mapping value and item."""
    try:
        _check_size(text)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error) from None
    except yaml.reader.ReaderError as error:  # a control character, written raw in the file
        raise _reader_error(text, error) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error), Position(1, 1)) from None
    if root is None:
        return None, {(): Position(1, 1)}
    positions: dict[Path, Position] = {}
    key_positions: dict[Path, Position] = {}
    try:
        data = _build(root, (), positions, key_positions)
    except yaml.MarkedYAMLError as error:  # e.g. a tag the safe loader refuses to construct
        raise _syntax_error(error) from None
    # A key's own position is the better place to point at for "unknown field" errors.
    positions.update({path + ("<key>",): pos for path, pos in key_positions.items()})
    return data, positions


def _reader_error(text: str, error: yaml.reader.ReaderError) -> YamlSyntaxError:
    before = text[: error.position]
    line, column = before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1
    code = error.character if isinstance(error.character, int) else ord(error.character)
    message = f"the control character U+{code:04X} is not allowed in YAML; write it as an escape"
    return YamlSyntaxError(message, Position(line, column))


def _check_size(text: str) -> None:
    """Walk the parser's events once, before anything is built: refuse deep nesting, aliases
    that refer to themselves, and aliases that expand beyond the limits (a "billion laughs").

    Stops at the first event past a limit, so the check itself stays fast.
    """
    values = characters = 0  # in the document so far, with every alias expanded
    expanded: dict[str, tuple[int, int]] = {}  # anchor -> the values and characters it holds
    open_: list[tuple[str | None, int, int]] = []  # collections: anchor, counts at their start
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_) >= MAX_DEPTH:
                raise _limit(f"values are nested more than {MAX_DEPTH} levels deep", event)
            open_.append((event.anchor, values, characters))
            values += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, values_before, characters_before = open_.pop()
            if anchor is not None:
                expanded[anchor] = (values - values_before, characters - characters_before)
        elif isinstance(event, yaml.ScalarEvent):
            values, characters = values + 1, characters + len(event.value)
            if event.anchor is not None:
                expanded[event.anchor] = (1, len(event.value))
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _, _ in open_):
                raise _limit("an alias refers to itself (a recursive `*alias`)", event)
            more_values, more_characters = expanded.get(str(event.anchor), (1, 0))
            values, characters = values + more_values, characters + more_characters
        if values > MAX_VALUES:
            raise _limit(f"with its `*aliases` the lesson holds over {MAX_VALUES:,} values", event)
        if characters > MAX_CHARACTERS:
            limit = f"{MAX_CHARACTERS:,} characters"
            raise _limit(f"with its `*aliases` the lesson holds over {limit} of text", event)


def _limit(problem: str, event: Any) -> YamlSyntaxError:
    mark = event.start_mark
    return YamlSyntaxError(
        f"{problem} (the limit for a lesson)", Position(mark.line + 1, mark.column + 1)
    )


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
