"""The built-in lessons declare the classic mistakes of their steps (`tutor test` tries each)."""

from __future__ import annotations

import pytest

from tutor.catalog import find_lesson


@pytest.mark.parametrize("lesson_id", ["lesson1", "lesson2"])
def test_the_builtin_lessons_declare_their_classic_mistakes(lesson_id: str) -> None:
    steps = find_lesson(lesson_id).steps
    mistakes = [m for step in steps for m in step.mistakes]
    assert len(mistakes) >= 8
    assert all(m.says and m.code.strip() and m.line for m in mistakes)
    # spread over the lesson, not piled on one step
    assert sum(1 for step in steps if step.mistakes) >= 6
