"""A training loop, seen from the front: one live status line, and a summary per epoch.

    line = TrainingLine()
    summary = line.update(message)     # a ``ProgressMessage`` from the worker
    line.text(width=80)
    # -> "epoch 2 (trainloader)  ━━━━━━━╸━━━  160/320  1,204 batch/s  0:00 left  loss 0.84 ▇▆▅▃▂"
    summary                            # when a pass over the loader ends:
    # -> "epoch 2 (trainloader): 320 batches in 0.3 s, mean loss 0.512"
    # a pass that only reads (a test loop, no `.backward()`) is named by its loader:
    # -> "testloader: 16 batches in 0.1 s"

The REPL redraws the line a few times a second under the learner's own output; the piped
console prints only the summaries, one line per epoch.
"""

from __future__ import annotations

from statistics import fmean

from tutor.kernel.protocol import ProgressMessage

SPARKS = "▁▂▃▄▅▆▇█"


class TrainingLine:
    """What one input's training loop has done so far."""

    def __init__(self) -> None:
        self.losses: list[float] = []  # every loss of this input, in order
        self._pass_losses: list[float] = []
        self.last: ProgressMessage | None = None

    def update(self, message: ProgressMessage) -> str | None:
        """Take one message; return the epoch's summary when it ends a pass, else None."""
        new = message.get("losses", [])
        self.losses.extend(new)
        self._pass_losses.extend(new)
        self.last = message
        if not message.get("finished"):
            return None
        losses, self._pass_losses = self._pass_losses, []
        counted = f"{message.get('done', 0):,} batches in {message.get('elapsed', 0.0):.1f} s"
        if losses:
            return f"{_label(message, trained=True)}: {counted}, mean loss {fmean(losses):.3f}"
        return f"{_label(message, trained=False)}: {counted}"

    def text(self, width: int = 80) -> str:
        """The live status line, at most ``width`` characters."""
        message = self.last
        if message is None:
            return ""
        done, total = message.get("done", 0), message.get("total", 0)
        elapsed = max(message.get("elapsed", 0.0), 1e-9)
        parts = [_label(message, trained=bool(self._pass_losses))]
        if total:
            parts.append(bar(done / total, 16))
            parts.append(f"{done}/{total}")
        else:
            parts.append(f"{done} batches")
        rate = done / elapsed
        parts.append(f"{rate:,.0f} batch/s")
        if total and rate > 0:
            left = int((total - done) / rate)
            parts.append(f"{left // 60}:{left % 60:02d} left")
        if self.losses:
            parts.append(f"loss {self.losses[-1]:.3g} {sparkline(self.losses, 12)}")
        line = "  ".join(parts)
        return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def _label(message: ProgressMessage, trained: bool) -> str:
    """`epoch 2 (trainloader)` for a pass that trained; `testloader` for one that only read."""
    loader = message.get("loader", "")
    if not trained:
        return loader or "a pass over the data"
    epoch = f"epoch {message.get('epoch', 1)}"
    return f"{epoch} ({loader})" if loader else epoch


def bar(fraction: float, cells: int) -> str:
    """A progress bar of ``cells`` characters, ``━`` for done and ``─`` for the rest."""
    fraction = min(max(fraction, 0.0), 1.0)
    full = int(fraction * cells)
    half = "╸" if full < cells and fraction * cells - full >= 0.5 else ""
    return "━" * full + half + "─" * (cells - full - len(half))


def sparkline(values: list[float], cells: int) -> str:
    """The shape of ``values`` in ``cells`` block characters (each the mean of its share)."""
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    if not finite:
        return ""
    buckets = [
        finite[i * len(finite) // cells : (i + 1) * len(finite) // cells] for i in range(cells)
    ]
    means = [fmean(b) for b in buckets if b]
    low, high = min(means), max(means)
    span = (high - low) or 1.0
    return "".join(SPARKS[min(int((m - low) / span * len(SPARKS)), len(SPARKS) - 1)] for m in means)
