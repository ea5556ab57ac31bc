"""Lesson 5 end to end: the course's "Inference and Validation" code, typed in order, completes it.

The transcript (`transcripts/lesson5_notebook.txt`) is Part 5's code as a learner copies it, with
two epochs where the course runs thirty, `plot_losses` where it calls Matplotlib, and the answer
to the choice step. It trains four epochs on the bundled subset through the real program: slow.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import run_tutor, type_notebook


def tutor(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, TUTOR_DATA="bundled", timeout=600)


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson5(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = type_notebook("lesson5", 8, home)
    assert "Traceback" not in out

    # the two loss curves, drawn in the terminal with their legend, once
    assert out.count("● Training loss: 2 epochs") == 1
    assert out.count("× Validation loss: 2 epochs") == 1
    # the validation figures (tensors in the course's code) were judged as made without gradients
    assert out.count("✓ Validation ran without gradients") == 2
    assert "✓ `model` drops units while training and none in evaluation mode" in out
    # the dropout training step is judged on calling both switches (not on the mode it ends in)
    assert "✓ Your code uses `eval`" in out and "✓ Your code uses `train`" in out
    assert "✓ `model` is in evaluation mode" in out and "Ankle boot" in out

    progress = json.loads(tutor("progress", "lesson5", "--json", home=home).stdout)
    steps = progress[0]["steps"]
    assert [s["status"] for s in steps] == ["done"] * 8
    assert all(s["hints_used"] == 0 and not s["solution_shown"] for s in steps)


def test_the_helpers_plot_losses_with_both_lists_passes_the_curves_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `helper.plot_losses(train_losses, test_losses)` drew one curve titled with the second list
    import re

    from tutor.catalog import builtin_paths
    from tutor.lesson import load_lesson
    from tutor.pictures import helper

    path = next(p for p in builtin_paths() if p.stem == "lesson5")
    step = next(s for s in load_lesson(path).steps if s.id == "curves")
    (pattern,) = [c.args["pattern"] for c in step.checks if c.name == "output"]

    helper.plot_losses([0.61, 0.54, 0.50], [0.58, 0.55, 0.57])
    out = capsys.readouterr().out
    assert re.search(pattern, out), out
    assert "Training loss: 3 epochs, first 0.610" in out
    assert "Validation loss: 3 epochs, first 0.580, lowest 0.550 (epoch 2)" in out
    assert "[0.58" not in out  # the second list is a curve, not a title

    helper.plot_losses([0.61, 0.54])  # one list: the column chart, as lesson 3 draws it
    assert capsys.readouterr().out.startswith("Loss: 2 values, from 0.61 to 0.54")
    helper.plot_losses([0.61, 0.54], "Batch loss")  # an older call naming the title
    assert capsys.readouterr().out.startswith("Batch loss: 2 values")


def test_the_notebooks_matplotlib_lines_point_to_plot_losses() -> None:
    # `import matplotlib.pyplot as plt`, then `plt.plot(train_losses, ...)`: the errors Python
    # really raises, explained with the terminal's way of drawing the curves
    from tutor.checks import explain_error

    def raised(code: str, namespace: dict[str, object]) -> BaseException:
        try:
            exec(code, namespace)
        except Exception as error:
            return error
        raise AssertionError(f"{code!r} did not raise")

    namespace: dict[str, object] = {"train_losses": [0.6, 0.5]}
    lines = explain_error(raised("import matplotlib.pyplot as plt", namespace), namespace)
    assert lines[0] == "`matplotlib` is not needed in the tutor."
    assert lines[1].startswith("It is not installed here.")
    assert "`helper.plot_losses(train_losses, test_losses)`" in lines[1]
    lines = explain_error(raised("plt.plot(train_losses)", namespace), namespace)
    assert lines == [
        "`plt` is Matplotlib's, which the tutor does not have.",
        "Pictures are drawn right in the terminal, with `helper.imshow(image)` and "
        "`helper.view_classify(image, ps)`, and training curves with "
        "`helper.plot_losses(train_losses, test_losses)`.",
    ]
