"""Terminal pictures: the exact text drawn for a fixed image in each mode."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
import torch

from tutor.pictures import Helper, imshow, loss_curve, view_classify

# Rows 1-2 are one horizontal gradient; rows 3-4 another gradient over a white row. Five grey
# levels, 0, 1/4, 1/2, 3/4 and 1, so every shade has a pixel pair that selects it.
IMAGE = np.array(
    [
        [0, 1, 2, 3, 4],
        [0, 1, 2, 3, 4],
        [4, 3, 2, 1, 0],
        [4, 4, 4, 4, 4],
    ]
)


def fg(grey: int) -> str:
    return f"\x1b[38;2;{grey};{grey};{grey}m"


def bg(grey: int) -> str:
    return f"\x1b[48;2;{grey};{grey};{grey}m"


RESET = "\x1b[0m"


def test_shades_average_two_pixel_rows_per_text_row() -> None:
    # Means of the row pairs: 0, 1/4, 1/2, 3/4, 1, then 1, 7/8, 3/4, 5/8, 1/2 (rounded to 5 shades).
    assert imshow(IMAGE, color=False, unicode=True) == " ░▒▓█\n██▓▓▒"


def test_ascii_ramp_when_the_output_cannot_carry_unicode() -> None:
    assert imshow(IMAGE, color=False, unicode=False) == " :+#@\n@%#*+"


def test_colour_draws_upper_halves_with_true_greys_and_only_changes() -> None:
    first = (
        fg(0) + bg(0) + "▀" + fg(64) + bg(64) + "▀" + fg(128) + bg(128) + "▀"
        + fg(191) + bg(191) + "▀" + fg(255) + bg(255) + "▀" + RESET
    )  # fmt: skip
    second = (
        fg(255) + bg(255) + "▀" + fg(191) + "▀" + fg(128) + "▀" + fg(64) + "▀" + fg(0) + "▀" + RESET
    )
    assert imshow(IMAGE, color=True, unicode=True) == first + "\n" + second


def test_an_odd_last_row_keeps_the_terminal_background() -> None:
    assert imshow([[0, 4]], color=True, unicode=True) == fg(0) + "▀" + fg(255) + "▀" + RESET
    assert imshow([[0, 4], [4, 0], [0, 4]], color=False, unicode=True) == "▒▒\n █"


def test_greys_stretch_from_the_image_minimum_to_its_maximum() -> None:
    normalised = torch.tensor(IMAGE, dtype=torch.float32) / 2 - 1  # in [-1, 1], like the loaders
    assert imshow(normalised, color=False, unicode=True) == " ░▒▓█\n██▓▓▒"
    assert imshow(np.full((2, 3), 7.0), color=False, unicode=True) == ""  # flat: all black


def test_a_tensor_with_a_channel_and_a_gradient_is_drawn() -> None:
    image = torch.tensor(IMAGE, dtype=torch.float32).view(1, 4, 5).requires_grad_()
    assert imshow(image, color=False, unicode=False) == " :+#@\n@%#*+"
    flat = torch.arange(16.0)  # 16 pixels: a 4x4 image
    assert imshow(flat, color=False, unicode=False).count("\n") == 1


def test_a_batch_is_refused_with_its_shape() -> None:
    with pytest.raises(ValueError, match=r"this one has shape \(64, 1, 28, 28\)"):
        imshow(torch.zeros(64, 1, 28, 28), color=False, unicode=True)


def test_view_classify_draws_the_digit_beside_the_probability_bars() -> None:
    ps = torch.tensor([[0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.25, 0.0]], requires_grad=True)
    expected = [
        "         Class probability",
        "       0                                0.000",
        "       1 ███████████████                0.500",
        "       2                                0.000",
        " ░▒▓█  3                                0.000",
        "██▓▓▒  4                                0.000",
        "       5                                0.000",
        "       6                                0.000",
        "       7 ████████                       0.250",
        "       8 ████████                       0.250",
        "       9                                0.000",
    ]
    assert view_classify(IMAGE, ps, color=False, unicode=True) == "\n".join(expected)


def test_view_classify_in_ascii_with_fashion_names() -> None:
    ps = np.zeros(10)
    ps[9] = 1.0
    lines = view_classify(IMAGE, ps, labels="fashion", color=False, unicode=False).split("\n")
    assert lines[0] == " " * 19 + "Class probability"
    assert lines[1] == "       T-shirt/top " + " " * 30 + " 0.000"
    assert lines[4] == " :+#@        Dress " + " " * 30 + " 0.000"
    assert lines[5] == "@%#*+         Coat " + " " * 30 + " 0.000"
    assert lines[-1] == "        Ankle boot " + "#" * 30 + " 1.000"


def test_view_classify_in_colour_keeps_the_chart_aligned() -> None:
    ps = np.full(10, 0.1)
    lines = view_classify(IMAGE, ps, color=True, unicode=True).split("\n")
    assert lines[0] == "         Class probability"
    assert lines[4].startswith(fg(0) + bg(0) + "▀")
    assert lines[5].endswith(RESET + "  4 ███                            0.100")
    assert lines[3] == "       2 ███                            0.100"  # beside no picture row


def test_view_classify_names_a_wrong_number_of_probabilities() -> None:
    with pytest.raises(ValueError, match=r"needs 10 probabilities.*shape \(1, 64\)"):
        view_classify(IMAGE, torch.zeros(1, 64), color=False, unicode=True)


def test_probabilities_out_of_range_clip_the_bar_but_show_the_number() -> None:
    ps = [-2.5, 1.5] + [0.0] * 8
    lines = view_classify(IMAGE, ps, color=False, unicode=False).split("\n")
    assert lines[1] == "       0                                -2.500"
    assert lines[2] == "       1 ############################## 1.500"


def test_helper_prints_with_colour_only_when_the_tutor_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    helper = Helper()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TUTOR_COLOR", "1")
    helper.imshow(IMAGE)
    assert "\x1b[38;2;" in capsys.readouterr().out

    monkeypatch.setenv("NO_COLOR", "1")
    helper.imshow(IMAGE)
    assert capsys.readouterr().out == " ░▒▓█\n██▓▓▒\n"

    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("TUTOR_COLOR")
    helper.view_classify(IMAGE, np.full(10, 0.1), version="Fashion")
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "Ankle boot ███" in out


def test_helper_falls_back_to_ascii_on_an_ascii_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    Helper().imshow(IMAGE, title="a gradient")
    stream.flush()
    assert stream.buffer.getvalue().decode("ascii") == "a gradient\n :+#@\n@%#*+\n"  # type: ignore[attr-defined]


def test_loss_curve_draws_a_column_per_loss_scaled_from_lowest_to_highest() -> None:
    assert loss_curve([4, 3, 2, 1], unicode=False, height=2).split("\n") == [
        "Loss: 4 values, from 4 to 1",
        "4 |#.",
        "1 |##:.",
        "  +----",
        "   1  4",
    ]
    assert loss_curve([2.0, 1.0], unicode=True, height=2).split("\n") == [
        "Loss: 2 values, from 2 to 1",
        "2 │█",
        "1 │█▁",
        "  └──",
        "   1 2",
    ]


def test_a_long_list_of_losses_is_averaged_into_the_chart_width() -> None:
    losses = [2.3 * 0.99**i for i in range(313)]
    lines = loss_curve(losses, unicode=True, width=60, height=8).split("\n")
    assert lines[0] == "Loss: 313 values, from 2.3 to 0.09998"
    bars = [line.split("│")[1] for line in lines[1:9]]
    assert max(len(bar) for bar in bars) == 60
    assert bars[0].startswith("█") and bars[0].rstrip(" ")[-1] != "█"  # the highest loss first
    assert all(cell != " " for cell in bars[-1])  # the lowest column still shows a sliver
    assert bars[-1].endswith("▁")
    assert lines[-1].endswith("313")


def test_loss_curve_takes_tensors_with_graphs_and_counts_nan() -> None:
    w = torch.ones(1, requires_grad=True)
    losses = [(w * 3).sum(), (w * 1).sum(), torch.tensor(float("nan"))]
    text = loss_curve(losses, unicode=False, height=2)
    assert text.split("\n")[-1] == "1 of the 3 values is NaN or inf: not drawn."
    assert "3 |#" in text
    assert "Loss: 3 values, from 3 to nan" in text
    with pytest.raises(ValueError, match="at least one loss"):
        loss_curve([], unicode=True)
    with pytest.raises(ValueError, match="finite losses"):
        loss_curve([float("inf")], unicode=True)


def test_helper_plots_losses_in_ascii_on_an_ascii_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    Helper().plot_losses([1.0, 0.5])
    Helper().loss_curve(torch.tensor([1.0, 0.5]))
    stream.flush()
    text = stream.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]
    assert text.count("Loss: 2 values, from 1 to 0.5") == 2
    assert "|#" in text and "+--" in text
