"""A small cache for checks that run after every input: entries tied to live objects."""

from __future__ import annotations

import weakref
from typing import Any


class Memo:
    """Results that count only while the very objects they were computed from still live.

    Keys by ``id`` alone would be wrong: a network created again often lands at the same
    address, with its weights in the same memory.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: list[tuple[list[weakref.ref[Any]], Any, Any]] = []

    def get(self, objects: list[Any], extra: Any) -> Any:
        for refs, key, value in self._entries:
            alive = len(refs) == len(objects) and all(
                r() is o for r, o in zip(refs, objects, strict=True)
            )
            if alive and key == extra:
                return value
        return None

    def put(self, objects: list[Any], extra: Any, value: Any) -> None:
        if len(self._entries) >= self._size:
            self._entries.pop(0)
        self._entries.append(([weakref.ref(o) for o in objects], extra, value))
