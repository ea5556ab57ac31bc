"""Training and validation curves in the terminal: the exact text drawn for fixed values."""

from __future__ import annotations

import io
import math
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


def test_a_long_series_is_drawn_as_the_means_of_runs_within_the_width() -> None:
    # a loss per batch: 600 values must not draw 600 columns
    losses = [2.0 - i / 400 for i in range(600)]
    text = curves({"Training loss": losses}, unicode=False, height=5)
    lines = text.splitlines()
    chart = lines[:5]
    assert all(len(line) <= 7 + 61 for line in chart)  # the scale, then at most 61 columns
    assert sum(line.count("*") for line in chart) == 61  # one point per column
    assert lines[6].rstrip().endswith("600   epoch")
    assert lines[7] == "       (each column is the mean of about 10 values)"
    # the scale is the means' (the first run, values 0 to 9, has 1.98875), the legend the values'
    assert chart[0].startswith(" 1.989|*")
    assert (
        lines[8]
        == "  * Training loss: 600 epochs, first 2.000, lowest 0.502 (epoch 600), last 0.502"
    )
    # exact runs say so without "about"; a run of NaN alone leaves a gap
    even = curves({"a": [1.0] * 61 * 4}, unicode=False, height=3, width=60)
    assert "(each column is the mean of 4 values)" in even
    gap = curves({"a": [1.0, 2.0] + [math.nan] * 2 + [3.0, 4.0]}, unicode=False, height=3, width=2)
    assert sum(line.count("*") for line in gap.splitlines()[:3]) == 2


def test_a_short_series_keeps_one_column_per_value() -> None:
    text = curves({"a": [float(i) for i in range(61)]}, unicode=False, height=3)
    assert "mean of" not in text
    assert sum(line.count("*") for line in text.splitlines()[:3]) == 61
    assert max(len(line) for line in text.splitlines()[:3]) == 7 + 61
