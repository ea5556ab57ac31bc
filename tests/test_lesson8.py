"""Lesson 8 end to end: the course's Part 8 code (transfer learning), with the tutor's
pretrained digit network in place of DenseNet-121, completes every step through the real
program, piped. It trains two networks, so it is marked slow.

The notebook's cells are typed statement by statement, and the tutor judges after each one: a
network made but not yet trained, or an accuracy summed over half the batches, gets its
feedback on the way. Only those in-between verdicts may fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_tutor, type_notebook


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson8(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = type_notebook("lesson8", 8, home)
    in_between = ("✗ `scratch` ", "✗ `transfer_accuracy` is ", "✗ `scratch_accuracy` is ")
    failures = [line for line in out.splitlines() if line.startswith("✗")]
    assert all(line.startswith(in_between) for line in failures), failures
    assert "Traceback" not in out

    # the pretrained features beat training from scratch on the same 40 labels
    found = re.search(r"Transfer accuracy: ([\d.]+)\.\. Scratch accuracy: ([\d.]+)", out)
    assert found is not None
    transfer, scratch = float(found[1]), float(found[2])
    assert transfer > 0.62 and transfer > scratch

    progress = json.loads(
        run_tutor("progress", "lesson8", "--json", home=home, TUTOR_DATA="bundled").stdout
    )
    assert all(s["status"] == "done" for s in progress[0]["steps"])


LESSON = Path(__file__).parents[1] / "lessons" / "lesson8.yaml"


def _accuracies(seed: int) -> tuple[float, float]:
    """The lesson's own solutions, with `seed` for both trainings: (transfer, from scratch)."""
    import contextlib
    import io

    import torch

    from tutor.lesson import load_lesson

    lesson = load_lesson(LESSON)
    steps = {step.id: step for step in lesson.steps}
    namespace: dict[str, object] = {"device": "cpu"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(lesson.setup, namespace)
        for name in ("load", "freeze", "classifier", "optimizer", "train", "scratch", "evaluate"):
            if name in ("classifier", "train", "scratch"):
                torch.manual_seed(seed)  # scratch's own seed, 8, replaced too
            exec(steps[name].solution, namespace)
    return float(namespace["transfer_accuracy"]), float(namespace["scratch_accuracy"])  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_thresholds_and_the_promise_hold_over_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures the lesson's checks and text rely on, over ten seeds (30 gave transfer
    0.60-0.75, scratch 0.50-0.69, a gap of 12 points on average, from -0.4 to 21)."""
    monkeypatch.setenv("TUTOR_DATA", "bundled")
    results = [_accuracies(seed) for seed in range(10)]
    transfer = [t for t, _ in results]
    gaps = [t - s for t, s in results]
    assert min(transfer) >= 0.55, transfer  # the floor of the training and measuring steps
    assert sum(gap > 0 for gap in gaps) >= 8, gaps  # "usually does better"
    assert sum(gaps) / len(gaps) > 0.08, gaps  # "by 12 points on average"
