"""A learner's work in a lesson, as a Python file or a Jupyter notebook that runs on its own.

    source = as_python(lesson, records)     # "# Tensors in PyTorch\\n\\n# Step 1: ...\\n..."
    notebook = as_notebook(lesson, records) # an nbformat v4 notebook (write it with nbformat)

Each step contributes its title and the code the learner had accepted (with the step's given
code before it, since the learner's code builds on it); the lesson's setup comes first, so the
file runs from top to bottom outside the tutor. A skipped step contributes its solution, marked.
Attempts that a later input of the step replaced are left out (see ``accepted``).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from tutor.judging import bound_names
from tutor.lesson import Lesson, Step
from tutor.session import DONE, SKIPPED, StepRecord


def cells(lesson: Lesson, records: dict[str, StepRecord]) -> list[tuple[str, str]]:
    """("markdown" | "code", text) in order: the lesson as the learner took it."""
    found: list[tuple[str, str]] = [("markdown", f"# {lesson.title}")]
    if lesson.setup.strip():
        found.append(("code", f"# The lesson's setup\n{lesson.setup.strip()}"))
    for number, step in enumerate(lesson.steps, start=1):
        found.extend(_step_cells(number, step, records.get(step.id, StepRecord())))
    return found


def _step_cells(number: int, step: Step, record: StepRecord) -> list[tuple[str, str]]:
    title = step.title or step.id
    found: list[tuple[str, str]] = [("markdown", f"## Step {number}: {title}")]
    if step.is_choice:
        answer = record.answer or "(not answered)"
        found.append(("markdown", f"Answered: `{answer}`"))
        return found
    if step.given.strip():
        found.append(("code", f"# Given\n{step.given.strip()}"))
    if record.status == DONE and record.code:
        found.append(("code", "\n\n".join(code.strip() for code in accepted(record.code))))
    elif record.status == SKIPPED:
        found.append(("code", f"# Skipped: the lesson's solution\n{step.solution.strip()}"))
    else:
        found.append(("markdown", "Not done yet."))
    return found


def accepted(inputs: list[str] | tuple[str, ...]) -> list[str]:
    """The step's inputs without the attempts a later input replaced.

    An input is left out when every name it binds is bound again later, before anything still
    kept reads it: a wrong `activation` redefined, or a `y` computed again, goes; a `y = x + 1`
    that a later `y = y * 2` builds on stays. Inputs that bind nothing (a `print`, a look at
    `weights.shape`, `optimizer.step()`) stay, so the file still runs from top to bottom.
    """
    kept: list[str] = []
    later: list[tuple[set[str], set[str]]] = []  # (binds, reads) of the kept inputs after
    for code in reversed(inputs):
        binds, reads = _binds_and_reads(code)
        if binds and all(_replaced(name, later) for name in binds):
            continue
        kept.append(code)
        later.insert(0, (binds, reads))
    return kept[::-1]


def _replaced(name: str, later: list[tuple[set[str], set[str]]]) -> bool:
    """Whether the first later input that mentions ``name`` binds it without reading it."""
    for binds, reads in later:
        if name in reads or "*" in reads:
            return False
        if name in binds:
            return True
    return False


def _binds_and_reads(code: str) -> tuple[set[str], set[str]]:
    """The names an input binds at its top level, and every name it reads anywhere."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), {"*"}  # unreadable: it binds nothing we can tell, so it is kept
    binds = bound_names(code)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            binds.update((a.asname or a.name).split(".")[0] for a in node.names)
    reads = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    for node in ast.walk(tree):  # `x += 1` reads `x` as well as binding it
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            reads.add(node.target.id)
    return binds, reads


def as_python(lesson: Lesson, records: dict[str, StepRecord]) -> str:
    """The lesson as a ``.py`` file: markdown cells become comments."""
    parts = []
    for kind, text in cells(lesson, records):
        if kind == "markdown":
            parts.append("\n".join(f"# {line}".rstrip() for line in text.splitlines()))
        else:
            parts.append(text)
    return "\n\n".join(parts) + "\n"


def as_notebook(lesson: Lesson, records: dict[str, StepRecord]) -> Any:
    """The lesson as a Jupyter notebook (nbformat 4), validated."""
    import nbformat

    v4: Any = nbformat.v4  # nbformat has no type hints
    notebook = v4.new_notebook()
    notebook.cells = [
        v4.new_markdown_cell(text) if kind == "markdown" else v4.new_code_cell(text)
        for kind, text in cells(lesson, records)
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.validate(notebook)
    return notebook


def write_files(lesson: Lesson, records: dict[str, StepRecord], folder: Path) -> tuple[Path, Path]:
    """Write ``<lesson id>.py`` and ``<lesson id>.ipynb`` into ``folder``; return their paths."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    script, notebook = folder / f"{lesson.id}.py", folder / f"{lesson.id}.ipynb"
    script.write_text(as_python(lesson, records), encoding="utf-8")
    write: Any = nbformat.write
    write(as_notebook(lesson, records), str(notebook))
    return script, notebook
