"""Pictures in the terminal: a grey image, and an image beside its class probabilities.

    from tutor.pictures import helper, imshow, view_classify

    print(imshow(images[0], color=True, unicode=True))        # returns the text, prints nothing
    print(view_classify(images[0], ps, color=False, unicode=True))
    helper.view_classify(images[0].view(1, 28, 28), ps)       # what a learner types: it prints
    helper.plot_losses(losses)                                 # a loss curve, one column per loss
    helper.plot_losses(train_losses, test_losses)              # both on one chart (tutor.curves)

Three ways to draw, chosen by what the terminal can show:

- ``color=True, unicode=True``: true grey shades with the upper half block ``▀``, its foreground
  the upper pixel and its background the lower one, so one text row holds two pixel rows;
- ``color=False, unicode=True``: the shade blocks `` ░▒▓█``, each the mean of two pixel rows;
- ``unicode=False``: the ASCII ramp `` .:-=+*#%@`` likewise (colour is not used without Unicode).

A character cell is about twice as tall as it is wide, so a cell per pixel column and two pixel rows
per text row keeps the image's proportions. Grey levels are stretched from the image's own minimum
(black) to its maximum (white), so a normalised image in [-1, 1] shows as well as one in [0, 255].

Images and probabilities may be torch tensors (gradients and devices are no matter) or anything
NumPy reads; torch is never imported here.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from tutor.curves import curves
from tutor.data import FASHION_CLASSES

__all__ = ["FASHION_LABELS", "Helper", "helper", "imshow", "loss_curve", "view_classify"]

SHADES = " ░▒▓█"
ASCII_RAMP = " .:-=+*#%@"
UPPER_HALF = "▀"
RESET = "\x1b[0m"
BAR_WIDTH = 30
FASHION_LABELS = tuple(FASHION_CLASSES)
EIGHTHS = " ▁▂▃▄▅▆▇█"  # a cell filled from the bottom, 0 to 8 eighths
ASCII_EIGHTHS = " ....:::#"
CURVE_WIDTH = 60
CURVE_HEIGHT = 8


def imshow(image: Any, *, color: bool, unicode: bool) -> str:
    """The text that draws ``image``: (H, W), or (1, H, W) such as a (1, 28, 28) MNIST image.

    >>> print(imshow([[0, 1], [2, 3]], color=False, unicode=False))
    -*
    """
    return "\n".join(line.rstrip(" ") for line in _image_lines(image, color, unicode))


def view_classify(
    image: Any,
    probabilities: Any,
    *,
    labels: str | Sequence[str] | None = None,
    color: bool,
    unicode: bool,
) -> str:
    """The text that draws ``image`` beside a bar chart of its class ``probabilities``.

    ``labels`` names the classes: 0 to 9 by default, ``"fashion"`` for Fashion-MNIST's names, or a
    sequence of names, one per probability.

    >>> print(view_classify([[0, 1], [2, 3]], [0.25, 0.75], labels=["no", "yes"],
    ...                     color=False, unicode=False))
            Class probability
    -*   no ########                       0.250
        yes #######################        0.750
    """
    ps = _as_array(probabilities).reshape(-1)
    names = _labels(labels, len(ps))
    if len(names) != len(ps):
        shape = tuple(_as_array(probabilities).shape)
        raise ValueError(
            f"view_classify needs {len(names)} probabilities, one per class; got shape {shape}."
        )
    picture = _image_lines(image, color, unicode)
    chart = _chart_lines(ps, names, unicode)
    width = _visible_width(picture[0]) if picture else 0
    height = max(len(picture), len(chart))
    picture_top = (height - len(picture)) // 2
    chart_top = (height - len(chart)) // 2
    lines = []
    for row in range(height):
        left = _pick(picture, row - picture_top) or " " * width
        right = _pick(chart, row - chart_top)
        lines.append((left + "  " + right).rstrip(" "))
    return "\n".join(lines)


def loss_curve(
    losses: Any,
    *,
    unicode: bool,
    title: str = "Loss",
    width: int = CURVE_WIDTH,
    height: int = CURVE_HEIGHT,
) -> str:
    """The text that draws ``losses`` (numbers, 0-d tensors, or a 1-D tensor) as a column chart.

    One column per loss, or the mean of a run of them when there are more than ``width``; the
    scale runs from the smallest loss to the largest. NaN and inf are left out and counted.

    >>> print(loss_curve([4, 3, 2, 1], unicode=False, height=2))
    Loss: 4 values, from 4 to 1
    4 |#.
    1 |##:.
      +----
       1  4
    """
    values = _loss_values(losses)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError(f"plot_losses needs finite losses; got {_count(values.size)} NaN or inf.")
    columns = [float(part.mean()) for part in np.array_split(finite, min(width, finite.size))]
    low, high = min(columns), max(columns)
    span = (high - low) or 1.0
    # Every column shows at least one eighth, so the lowest loss is still drawn.
    levels = [1 + round((v - low) / span * (height * 8 - 1)) for v in columns]
    cells = EIGHTHS if unicode else ASCII_EIGHTHS
    top, bottom = _number(high), _number(low)
    pad = max(len(top), len(bottom))
    side, corner, rule = ("│", "└", "─") if unicode else ("|", "+", "-")
    lines = [f"{title}: {_count(values.size)}, from {_number(values[0])} to {_number(values[-1])}"]
    for row in range(height):
        base = (height - 1 - row) * 8
        bars = "".join(cells[min(max(level - base, 0), 8)] for level in levels)
        label = top if row == 0 else bottom if row == height - 1 else ""
        lines.append(f"{label:>{pad}} {side}{bars}".rstrip(" "))
    lines.append(" " * pad + " " + corner + rule * len(columns))
    last = str(values.size)
    lines.append(" " * (pad + 2) + "1" + last.rjust(max(len(columns) - 1, len(last) + 1)))
    if finite.size < values.size:
        bad = values.size - finite.size
        lines.append(
            f"{bad} of the {values.size} values {'is' if bad == 1 else 'are'} NaN or inf: "
            "not drawn."
        )
    return "\n".join(lines)


class Helper:
    """The course's ``helper`` module for the terminal: each method prints its picture.

    Colour is used when the tutor says the screen has it (``TUTOR_COLOR=1``, set in the worker by
    the front end) and ``NO_COLOR`` is not set; Unicode when standard output can encode it.

    >>> helper.imshow(images[1])  # doctest: +SKIP
    >>> helper.view_classify(img.view(1, 28, 28), ps)  # doctest: +SKIP
    >>> helper.view_classify(img, ps, version="Fashion")  # doctest: +SKIP
    """

    def imshow(
        self, image: Any, ax: Any = None, title: str | None = None, normalize: bool = True
    ) -> None:
        """Print ``image``. ``ax`` and ``normalize`` are accepted as the notebook's helper takes
        them; grey levels are always stretched to the image's own range."""
        text = imshow(image, color=_use_color(), unicode=_use_unicode())
        print(f"{title}\n{text}" if title else text)

    def view_classify(self, img: Any, ps: Any, version: str = "MNIST") -> None:
        """Print ``img`` beside the bar chart of ``ps``; ``version="Fashion"`` names clothes."""
        labels = "fashion" if version.lower().startswith("fashion") else None
        print(view_classify(img, ps, labels=labels, color=_use_color(), unicode=_use_unicode()))

    def plot_losses(
        self, losses: Any, *more: Any, title: str = "Loss", labels: Sequence[str] | None = None
    ) -> None:
        """Print ``losses``, a list of numbers (``loss.item()`` per batch or epoch), as a curve.

        Given several lists, as the course plots `train_losses` and `test_losses`, print them
        on one chart, a curve each, labelled "Training loss" and "Validation loss" for two
        (``labels`` names them otherwise), as ``tutor.curves.plot_losses`` does.

        >>> helper.plot_losses(losses)  # doctest: +SKIP
        >>> helper.plot_losses(train_losses, test_losses)  # doctest: +SKIP
        """
        if len(more) == 1 and isinstance(more[0], str):  # the older `plot_losses(losses, title)`
            title, more = more[0], ()
        if not more:
            print(loss_curve(losses, unicode=_use_unicode(), title=title))
            return
        series = [losses, *more]
        names = list(labels) if labels is not None else _curve_names(len(series))
        if len(names) != len(series):
            raise ValueError(f"plot_losses got {len(series)} lists but {len(names)} labels.")
        print(curves(dict(zip(names, series, strict=True)), unicode=_use_unicode()))

    loss_curve = plot_losses

    def __repr__(self) -> str:
        return (
            "<helper: imshow(image), view_classify(img, ps, version='MNIST'), plot_losses(losses)>"
        )


helper = Helper()


def _curve_names(count: int) -> list[str]:
    """The course's names for a training and a validation curve; numbers for other counts."""
    if count == 2:
        return ["Training loss", "Validation loss"]
    return [f"Loss {number}" for number in range(1, count + 1)]


# ---------------------------------------------------------------------------------------------
# Drawing


def _image_lines(image: Any, color: bool, unicode: bool) -> list[str]:
    levels = _normalised(_image_2d(image))
    if color and unicode:
        return [_half_block_row(levels[row : row + 2]) for row in range(0, len(levels), 2)]
    ramp = SHADES if unicode else ASCII_RAMP
    top = len(ramp) - 1
    lines = []
    for row in range(0, len(levels), 2):
        mean = levels[row : row + 2].mean(axis=0)  # one row alone when the height is odd
        lines.append("".join(ramp[int(value * top + 0.5)] for value in mean))
    return lines


def _half_block_row(pair: np.ndarray) -> str:
    # Escape codes are written only where the shade changes: a digit is mostly black, and the
    # text goes through the worker's output limit.
    upper = [_grey(v) for v in pair[0]]
    lower = [_grey(v) for v in pair[1]] if len(pair) > 1 else [None] * len(upper)
    parts, fg, bg = [], None, None
    for top, bottom in zip(upper, lower, strict=True):
        if top != fg:
            parts.append(f"\x1b[38;2;{top};{top};{top}m")
            fg = top
        if bottom is not None and bottom != bg:  # None: an odd last row keeps the terminal's own
            parts.append(f"\x1b[48;2;{bottom};{bottom};{bottom}m")
            bg = bottom
        parts.append(UPPER_HALF)
    return "".join(parts) + RESET


def _grey(value: float) -> int:
    return int(value * 255 + 0.5)


def _chart_lines(ps: np.ndarray, names: Sequence[str], unicode: bool) -> list[str]:
    block = "█" if unicode else "#"
    name_width = max(len(name) for name in names)
    lines = [" " * name_width + " Class probability"]
    for name, p in zip(names, ps, strict=True):
        # Outside [0, 1] (logits, say) the bar is clipped but the number is shown as it is.
        filled = int(min(max(float(p), 0.0), 1.0) * BAR_WIDTH + 0.5) if math.isfinite(p) else 0
        bar = (block * filled).ljust(BAR_WIDTH)
        lines.append(f"{name:>{name_width}} {bar} {float(p):.3f}")
    return lines


def _labels(labels: str | Sequence[str] | None, count: int) -> list[str]:
    if labels is None:
        return [str(digit) for digit in range(10)]
    if isinstance(labels, str):
        if labels.lower().startswith("fashion"):
            return list(FASHION_LABELS)
        raise ValueError(f"labels={labels!r}: use None for digits, 'fashion', or a list of names.")
    return [str(label) for label in labels]


def _pick(lines: list[str], row: int) -> str:
    return lines[row] if 0 <= row < len(lines) else ""


def _visible_width(line: str) -> int:
    if "\x1b" not in line:
        return len(line)
    return line.count(UPPER_HALF)  # a colour row: one half block per pixel column


def _number(value: float) -> str:
    return f"{value:.4g}"


def _count(n: int) -> str:
    return f"{n:,} value" + ("" if n == 1 else "s")


# ---------------------------------------------------------------------------------------------
# Input


def _loss_values(losses: Any) -> np.ndarray:
    # A list may hold 0-d tensors that keep their graphs (`losses.append(loss)`): draw them anyway.
    if hasattr(losses, "detach") or isinstance(losses, np.ndarray):
        values = _as_array(losses).reshape(-1)
    else:
        values = np.array([_as_array(v).reshape(-1)[0] for v in losses], dtype=np.float64)
    if values.size == 0:
        raise ValueError("plot_losses needs at least one loss; the list is empty.")
    return values


def _as_array(value: Any) -> np.ndarray:
    # A tensor that requires grad refuses .numpy(), and one on a GPU must come to the CPU first.
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value, dtype=np.float64)


def _image_2d(image: Any) -> np.ndarray:
    array = _as_array(image)
    original = array.shape
    while array.ndim > 2 and array.shape[0] == 1:  # (1, 28, 28), (1, 1, 28, 28)
        array = array[0]
    if array.ndim == 3 and array.shape[0] == 3:  # a colour image, channels first: draw it grey
        array = array.mean(axis=0)
    elif array.ndim == 3 and array.shape[-1] in (1, 3):  # channels last
        array = array.mean(axis=-1)
    elif array.ndim == 1 and math.isqrt(array.size) ** 2 == array.size and array.size:
        side = math.isqrt(array.size)  # a flattened square image, such as 784 pixels
        array = array.reshape(side, side)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(
            f"imshow draws one image, shaped like (28, 28) or (1, 28, 28); "
            f"this one has shape {tuple(original)}."
        )
    return array


def _normalised(array: np.ndarray) -> np.ndarray:
    finite = np.isfinite(array)
    if not finite.any():
        return np.zeros_like(array)
    low, high = array[finite].min(), array[finite].max()
    array = np.where(finite, array, low)  # NaN and infinities draw as black
    if high == low:
        return np.zeros_like(array)
    scaled: np.ndarray = (array - low) / (high - low)
    return scaled


def _use_color() -> bool:
    return os.environ.get("TUTOR_COLOR") == "1" and not os.environ.get("NO_COLOR")


def _use_unicode() -> bool:
    # A stream without an encoding (io.StringIO) holds text, which can carry any character.
    encoding = getattr(sys.stdout, "encoding", None)
    if not encoding:
        return True
    try:
        (SHADES + UPPER_HALF).encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True
