"""Training and validation curves in the terminal: the exact text drawn for fixed values."""

from __future__ import annotations

import io
import sys

import pytest
import torch

from tutor.curves import curves, plot_losses

TRAIN = [0.6, 0.5, 0.4, 0.3]
VALID = [0.5, 0.4, 0.5, 0.6]


def test_two_curves_share_one_scale_with_a_mark_each() -> None:
    text = curves({"Training loss": TRAIN, "Validation loss": VALID}, unicode=True, height=4)
    assert text.splitlines() == [
        " 0.600|●                             ×",
        " 0.450|×         ●         ×",
        "      |          ×         ●",
        " 0.300|                              ●",
        "      +-------------------------------",
        "       1                             4   epoch",
        "  ● Training loss: 4 epochs, first 0.600, lowest 0.300 (epoch 4), last 0.300",
        "  × Validation loss: 4 epochs, first 0.500, lowest 0.400 (epoch 2), last 0.600",
    ]


def test_ascii_marks_and_a_shared_cell_marked_for_both() -> None:
    text = curves({"train": [0.9, 0.5], "valid": [0.3, 0.5]}, unicode=False, height=3)
    assert text.splitlines()[:3] == [" 0.900|*", " 0.600|          #", " 0.300|o"]
    assert "●" not in text and "×" not in text
    both = curves({"train": [0.9, 0.5], "valid": [0.3, 0.5]}, unicode=True, height=3)
    assert both.splitlines()[1] == " 0.600|          ◆"


def test_tensors_with_gradients_are_read_as_numbers() -> None:
    losses = [torch.tensor(0.5, requires_grad=True) * 1, torch.tensor([0.25])]
    text = curves({"valid": losses}, unicode=True, height=3)
    assert "valid: 2 epochs, first 0.500, lowest 0.250 (epoch 2), last 0.250" in text


def test_nan_leaves_a_gap_and_is_shown_in_the_legend() -> None:
    text = curves({"train": [1.0, float("nan"), 0.5]}, unicode=True, height=3)
    assert text.count("●") == 3  # two points and the legend's mark
    assert "last 0.500" in text


def test_a_flat_curve_and_a_single_value_draw() -> None:
    assert "1 epoch," in curves({"train": [0.7]}, unicode=True, height=3)
    assert curves({"train": [0.7, 0.7]}, unicode=True, height=3).splitlines()[1].count("●") == 2


def test_values_that_are_not_numbers_are_named() -> None:
    with pytest.raises(ValueError, match=r"`Validation loss`\[1\] is NoneType, not a number"):
        curves({"Validation loss": [0.5, None]}, unicode=True)
    with pytest.raises(ValueError, match="at least one value"):
        curves({"train": []}, unicode=True)


def test_plot_losses_prints_the_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    plot_losses(TRAIN, VALID)
    assert "● Training loss: 4 epochs" in out.getvalue()
    assert "× Validation loss: 4 epochs" in out.getvalue()
