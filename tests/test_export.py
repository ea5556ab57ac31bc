"""`tutor export` and `%compare`: the learner's work outlives the terminal, beside the lesson's."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import run_tutor

from tutor.catalog import find_lesson
from tutor.commands import run_command
from tutor.engine import Tutor
from tutor.kernel.client import Kernel
from tutor.progress import SQLiteStore
from tutor.render import Screen, make_console

TYPED = (Path(__file__).parent / "transcripts" / "lesson1_seed.txt").read_text()


def test_export_writes_a_script_and_a_notebook_that_run_on_their_own(tmp_path: Path) -> None:
    home = tmp_path / "home"
    taken = run_tutor("start", "lesson1", home=home, stdin=TYPED)
    assert taken.returncode == 0, taken.stderr
    out = tmp_path / "work"
    result = run_tutor("export", "lesson1", "--to", str(out), home=home)
    assert result.returncode == 0, result.stderr
    assert "lesson1.py" in result.stdout and "lesson1.ipynb" in result.stdout

    script = (out / "lesson1.py").read_text()
    assert script.startswith("# # Tensors")
    assert "# ## Step 2: " in script
    assert "def activation(x):" in script  # the learner's own code
    ran = subprocess.run([sys.executable, str(out / "lesson1.py")], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr

    notebook = nbformat.read(str(out / "lesson1.ipynb"), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds[0] == "markdown" and "code" in kinds
    assert json.loads((out / "lesson1.ipynb").read_text())["nbformat"] == 4


def test_export_of_an_unknown_lesson_is_one_line(tmp_path: Path) -> None:
    result = run_tutor("export", "nolesson", home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("tutor: no lesson called 'nolesson'")
    assert "Traceback" not in result.stderr


def test_compare_shows_the_learners_code_beside_the_solution(
    kernel: Kernel, tmp_path: Path
) -> None:
    tutor = Tutor(find_lesson("lesson1"), SQLiteStore(tmp_path / "p.sqlite3"), kernel)
    tutor.prepare()
    tutor.enter_step()
    out = io.StringIO()
    screen = Screen(make_console(plain=True, width=80, file=out), plain=True)
    run_command("%compare", tutor, screen)
    assert "Finish a step first" in out.getvalue()
    tutor.skip()  # a skipped step has no code of the learner's to compare
    tutor.enter_step()
    typed = "def activation(x):\n    return 1/(1+torch.exp(-x))"
    assert tutor.submit(typed).passed
    run_command("%compare", tutor, screen)
    text = out.getvalue()
    assert "Yours:\n    def activation(x):\n        return 1/(1+torch.exp(-x))" in text
    assert "The lesson's:" in text


def test_attempts_a_later_input_replaced_are_left_out() -> None:
    from tutor.export import accepted

    typed = [
        "def activation(x):\n    return torch.exp(x)",  # wrong, redefined below
        "y = activation(torch.sum(features * weights))",  # recomputed below
        "weights.shape",  # a look: kept
        "def activation(x):\n    return 1 / (1 + torch.exp(-x))",
        "z = 1",
        "z += 1",  # builds on `z = 1`, which stays
        "y = activation(torch.sum(features * weights) + bias)",
    ]
    assert accepted(typed) == [typed[2], *typed[3:]]


def test_export_and_compare_leave_out_a_replaced_attempt(kernel: Kernel, tmp_path: Path) -> None:
    from tutor.export import as_python

    tutor = Tutor(find_lesson("lesson1"), SQLiteStore(tmp_path / "p.sqlite3"), kernel)
    tutor.prepare()
    tutor.enter_step()
    tutor.skip()
    tutor.enter_step()
    assert not tutor.submit("def activation(x):\n    return torch.exp(x)").passed
    assert tutor.submit("def activation(x):\n    return 1/(1+torch.exp(-x))").passed
    records = dict(zip([s.id for s in tutor.lesson.steps], tutor.session.records, strict=True))
    script = as_python(tutor.lesson, records)
    assert "return torch.exp(x)" not in script and "return 1/(1+torch.exp(-x))" in script
    out = io.StringIO()
    run_command("%compare", tutor, Screen(make_console(plain=True, width=80, file=out), plain=True))
    assert "torch.exp(x)\n" not in out.getvalue()
