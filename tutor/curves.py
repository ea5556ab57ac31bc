"""Curves in the terminal: training and validation losses per epoch, on one chart.

    from tutor.curves import curves, plot_losses

    print(curves({"Training loss": [0.5, 0.4, 0.35], "Validation loss": [0.45, 0.42, 0.44]},
                 unicode=True))                 # returns the text, prints nothing
    plot_losses(train_losses, test_losses)     # what a learner types: it prints

Each curve gets its own mark (``●`` and ``×``; ``*`` and ``o`` without Unicode), one column per
value spread across the chart's width, on a shared vertical scale labelled at its top, middle and
bottom; where two curves fall in the same cell, ``◆`` (``#``) marks both. A series longer than
the chart is wide (a loss per batch: hundreds of values) is drawn as the mean of each run of
values, one column per run, and a line under the axis says so. A legend under the chart
gives each curve's first, lowest (with its epoch) and last value, so the numbers that show
overfitting, a validation loss that stops falling while the training loss goes on, are read
without guessing from the dots.

Values may be numbers or one-element tensors (`test_loss / len(testloader)` is a tensor); torch is
never imported here.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["curves", "plot_losses"]

HEIGHT = 12
MAX_WIDTH = 60
MARKS = ("●", "×", "▲", "■")
ASCII_MARKS = ("*", "o", "+", "x")
BOTH, ASCII_BOTH = "◆", "#"


def curves(
    series: Mapping[str, Sequence[Any]],
    *,
    unicode: bool,
    height: int = HEIGHT,
    width: int = MAX_WIDTH,
) -> str:
    """The text of a chart with one curve per entry of ``series`` (its name: its values).

    The chart is at most ``width`` + 1 columns wide: a longer series is drawn as the means of
    runs of its values, while the legend reads the values themselves.

    >>> print(curves({"a": [2, 1], "b": [1, 2]}, unicode=False, height=3))
     2.000|*         o
     1.500|
     1.000|o         *
          +-----------
           1         2   epoch
      * a: 2 epochs, first 2.000, lowest 1.000 (epoch 2), last 1.000
      o b: 2 epochs, first 1.000, lowest 1.000 (epoch 1), last 2.000
    """
    named = {name: _numbers(name, values) for name, values in series.items()}
    if not named or not any(named.values()):
        raise ValueError("curves needs at least one value to draw.")
    marks = MARKS if unicode else ASCII_MARKS
    if len(named) > len(marks):
        raise ValueError(f"curves draws at most {len(marks)} curves; got {len(named)}.")
    longest = max(len(values) for values in named.values())
    columns = min(longest, width + 1)
    drawn = {name: _runs(values, longest, columns) for name, values in named.items()}
    finite = [v for values in drawn.values() for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    step = max(1, min(width // max(columns - 1, 1), 10))
    grid = _grid(drawn, marks, BOTH if unicode else ASCII_BOTH, low, high, height, step)
    lines = _framed(grid, low, high, longest, step)
    if columns < longest:
        per = longest / columns
        about = "" if per == int(per) else "about "
        lines.append(f"       (each column is the mean of {about}{round(per)} values)")
    lines += [
        _legend(mark, name, values)
        for mark, (name, values) in zip(marks, named.items(), strict=False)
    ]
    return "\n".join(line.rstrip(" ") for line in lines)


def plot_losses(
    train_losses: Sequence[Any],
    test_losses: Sequence[Any],
    labels: tuple[str, str] = ("Training loss", "Validation loss"),
) -> None:
    """Print the training and validation losses, one value per epoch, on one chart."""
    series = {labels[0]: train_losses, labels[1]: test_losses}
    print(curves(series, unicode=_use_unicode()))


def _numbers(name: str, values: Sequence[Any]) -> list[float]:
    numbers = []
    for index, value in enumerate(values):
        if hasattr(value, "detach"):  # a tensor, perhaps with a gradient or on a GPU
            value = value.detach().cpu()
        if hasattr(value, "item"):
            value = value.item()
        try:
            numbers.append(float(value))
        except (TypeError, ValueError):
            raise ValueError(
                f"`{name}`[{index}] is {type(value).__name__}, not a number: "
                "keep one number per epoch, such as `loss.item()`."
            ) from None
    return numbers


def _runs(values: list[float], longest: int, columns: int) -> list[float]:
    """``values`` as ``columns`` points for the longest series: the mean of each run of them.

    Value ``i`` falls in column ``i * columns // longest``, so curves of different lengths keep
    their epochs aligned; NaN and inf are left out of a mean (a run of nothing else is NaN).
    """
    if columns >= longest:
        return values
    runs: list[list[float]] = []
    for index, value in enumerate(values):
        column = index * columns // longest
        if column == len(runs):
            runs.append([])
        runs[column].append(value)
    means = []
    for run in runs:
        finite = [v for v in run if math.isfinite(v)]
        means.append(sum(finite) / len(finite) if finite else math.nan)
    return means


def _grid(
    named: Mapping[str, list[float]],
    marks: Sequence[str],
    both: str,
    low: float,
    high: float,
    height: int,
    step: int,
) -> list[list[str]]:
    longest = max(len(values) for values in named.values())
    grid = [[" "] * ((longest - 1) * step + 1) for _ in range(height)]
    for mark, values in zip(marks, named.values(), strict=False):
        for epoch, value in enumerate(values):
            if not math.isfinite(value):
                continue  # NaN and inf leave a gap; the legend shows them as numbers
            row = _row(value, low, high, height)
            cell = grid[row][epoch * step]
            grid[row][epoch * step] = mark if cell in (" ", mark) else both
    return grid


def _row(value: float, low: float, high: float, height: int) -> int:
    if high == low:
        return height // 2
    return round((high - value) / (high - low) * (height - 1))


def _framed(grid: list[list[str]], low: float, high: float, longest: int, step: int) -> list[str]:
    """The chart's rows with their scale, the axis, and the first and last epoch under it."""
    height = len(grid)
    labels = {0: high, (height - 1) // 2: (high + low) / 2, height - 1: low}
    lines = []
    for row, cells in enumerate(grid):
        label = f"{labels[row]:.3f}" if row in labels else ""
        lines.append(f"{label:>6}|" + "".join(cells))
    width = len(grid[0])
    lines.append(" " * 6 + "+" + "-" * max(width, 1))
    ticks = [" "] * (width + 6)
    for text, start in (("1", 0), (str(longest), width - 1)):  # the first and the last epoch
        ticks[start : start + len(text)] = list(text)
    lines.append(" " * 7 + "".join(ticks).rstrip() + "   epoch")
    return lines


def _legend(mark: str, name: str, values: list[float]) -> str:
    if not values:
        return f"  {mark} {name}: no values"
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    lowest = f", lowest {min(finite)[0]:.3f} (epoch {min(finite)[1] + 1})" if finite else ""
    count = f"{len(values)} epoch" + ("s" if len(values) != 1 else "")
    return f"  {mark} {name}: {count}, first {values[0]:.3f}{lowest}, last {values[-1]:.3f}"


def _use_unicode() -> bool:
    encoding = getattr(sys.stdout, "encoding", None)
    if not encoding:
        return True
    try:
        ("".join(MARKS) + BOTH).encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True
