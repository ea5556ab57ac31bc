"""Declared mistakes: `tutor test` types each one and holds the feedback to its promise."""

from __future__ import annotations

from typer.testing import CliRunner

from tutor.cli import app
from tutor.lesson import load_lesson

LESSON = """
id: neuron
title: A neuron
setup: import torch
steps:
  - id: output
    text: Compute `y`, the weighted sum of `features` plus `bias`.
    given: |
      torch.manual_seed(7)
      features = torch.randn((1, 5))
      weights = torch.randn_like(features)
      bias = torch.randn((1, 1))
    solution: y = torch.sum(features * weights) + bias
    checks:
      - matches_solution: [y]
    mistakes:
      - code: y = torch.sum(features * weights)
        says: [bias]
      - code: y = torch.mm(features, weights) + bias
        says: "inner sizes"
{extra}
"""


def run_test(write_lesson, extra: str = "") -> tuple[int, str]:  # type: ignore[no-untyped-def]
    path = write_lesson(LESSON.format(extra=extra))
    result = CliRunner().invoke(app, ["test", str(path), "--device", "cpu", "--trust"])
    return result.exit_code, result.output


def test_declared_mistakes_are_read_with_their_lines(write_lesson) -> None:  # type: ignore[no-untyped-def]
    lesson = load_lesson(write_lesson(LESSON.format(extra="")))
    mistakes = lesson.steps[0].mistakes
    assert [m.says for m in mistakes] == [("bias",), ("inner sizes",)]
    assert [m.line for m in mistakes] == [16, 18]


def test_mistakes_that_fail_with_the_promised_words_pass_tutor_test(write_lesson) -> None:  # type: ignore[no-untyped-def]
    status, output = run_test(write_lesson)
    assert status == 0, output
    assert "ok   neuron/output" in output


def test_a_mistake_that_passes_the_step_fails_tutor_test(write_lesson) -> None:  # type: ignore[no-untyped-def]
    extra = "      - code: y = bias + torch.sum(weights * features)\n        says: [bias]"
    status, output = run_test(write_lesson, extra)
    assert status == 1
    assert "FAIL neuron/output: the mistake at line 20 passes the step" in output


def test_feedback_missing_the_promised_words_fails_tutor_test(write_lesson) -> None:  # type: ignore[no-untyped-def]
    extra = "      - code: y = torch.sum(features * weights)\n        says: [sigmoid]"
    status, output = run_test(write_lesson, extra)
    assert status == 1
    assert "the mistake at line 20: the feedback does not say 'sigmoid'; it says:" in output


def test_a_mistake_the_tutor_would_take_for_exploring_fails_tutor_test(write_lesson) -> None:  # type: ignore[no-untyped-def]
    extra = "      - code: features.shape\n        says: [shape]"
    status, output = run_test(write_lesson, extra)
    assert status == 1
    assert "the mistake at line 20 gets no feedback" in output


def test_a_check_the_solution_cannot_meet_is_named_by_number_and_line(write_lesson) -> None:  # type: ignore[no-untyped-def]
    lesson = """
id: author
title: An author's error
setup: import torch
steps:
  - id: one
    text: Make `y`.
    solution: y = torch.ones(2)
    checks:
      - defined: y
      - tensor: {name: z, shape: [2]}
"""
    path = write_lesson(lesson)
    result = CliRunner().invoke(app, ["test", str(path), "--device", "cpu", "--trust"])
    assert result.exit_code == 1
    assert "check 2 (tensor, line 10) names `z`, which the solution never makes" in result.output


def test_a_failing_mistake_does_not_fail_the_steps_after_it(write_lesson) -> None:  # type: ignore[no-untyped-def]
    # Step two builds on step one's `y`: the solution of step one must still run.
    extra = (
        "      - code: y = bias + torch.sum(weights * features)\n        says: [bias]\n"
        "  - id: double\n    text: Double `y`.\n    solution: z = 2 * y\n"
        "    checks:\n      - matches_solution: [z]"
    )
    status, output = run_test(write_lesson, extra)
    assert status == 1
    assert "FAIL neuron/output" in output
    assert "ok   neuron/double" in output, output
