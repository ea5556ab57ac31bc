"""Lesson 7 end to end: typing the course's Part 7 code (loading image data), adapted to the
folders the lesson writes, completes every step through the real program, piped.

The transcript (`transcripts/lesson7_notebook.txt`) keeps the notebook's idioms: the Jupyter
lines, `import matplotlib.pyplot as plt`, `from torchvision import datasets, transforms`,
`transforms.Compose([...])` chains, `datasets.ImageFolder(data_dir + '/train', ...)`, and a
training loop over `trainloader`. It trains for one epoch, so it is marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_tutor, type_notebook


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson7(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = type_notebook("lesson7", 10, home)
    assert "✗" not in out  # copying the notebook never meets a failing check
    assert out.count("Traceback") == 1  # only `import matplotlib`, which the tutor explains
    assert "`matplotlib` is not needed in the tutor" in out

    # the folders were written into the data folder, and the lesson says what it runs on
    folders = home / "work" / "lesson7" / "fashion"
    assert sorted(p.name for p in (folders / "train").iterdir()) == [
        "bag",
        "dress",
        "sandal",
        "sneaker",
    ]
    text = " ".join(out.split())  # the lesson's text is wrapped to the terminal
    assert "Those photos do not ship with the tutor" in text
    assert "`torchvision` is the tutor's small copy" in text or "\ntorchvision " in out
    assert "['bag', 'dress', 'sandal', 'sneaker']" in out  # print(my_data.classes)
    assert "█" in out or "#" in out  # helper.imshow drew a picture

    progress = json.loads(
        run_tutor("progress", "lesson7", "--json", home=home, TUTOR_DATA="bundled").stdout
    )
    steps = progress[0]["steps"]
    assert len(steps) == 10 and all(s["status"] == "done" for s in steps)


def test_the_labels_question_reads_a_typed_number_as_the_option_number() -> None:
    # The options were `0, 1, 2, 3`, so `3`, meant as the third option, chose the label 3.
    from tutor.catalog import builtin_paths
    from tutor.choices import match_option
    from tutor.lesson import load_lesson

    path = next(p for p in builtin_paths() if p.stem == "lesson7")
    step = next(s for s in load_lesson(path).steps if s.id == "labels")
    third = match_option(step, "3")
    assert third is not None and third.text == step.answer == "label 2"
    chosen = match_option(step, "label 2")
    assert chosen is not None and chosen.text == step.answer
    second = match_option(step, "2")
    assert second is not None and second.text == "label 1"
