"""A lesson is a file from a stranger: loading it is bounded and every failure is one line.

Each case here crashed, hung or ran out of memory before: a "billion laughs", a huge or endless
file, a 100,000-deep `[[[…`, a 3,000-term expression, escape sequences in a key.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.lesson import LessonError, load_lesson, validate_file

runner = CliRunner()

GOOD = """\
id: demo
title: Demo
steps:
  - id: make-x
    text: Make `x`.
    solution: x = 1
    checks:
      - defined: x
"""


def billion_laughs(levels: int = 9) -> str:
    """Nine levels of ten aliases each: 10⁹ strings once expanded, from 600 bytes."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return GOOD + "\n".join(f"x{line}" for line in lines) + "\n"


def only_problem(path: Path) -> str:
    problems = validate_file(path)
    assert len(problems) == 1, problems
    return str(problems[0])


def test_a_billion_laughs_is_refused_at_the_alias_that_passes_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    assert len(path.read_bytes()) < 700
    problem = only_problem(path)
    assert problem.startswith(f"{path}:")
    assert problem.endswith(
        "YAML syntax: with its `*aliases` the lesson holds over 100,000 values "
        "(the limit for a lesson)"
    )


def test_a_few_aliases_are_still_fine(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        GOOD.replace("    checks:\n      - defined: x", "    checks: &c\n      - defined: x")
        + "  - id: again\n    text: Again.\n    solution: x = 2\n    checks: *c\n"
    )
    assert validate_file(path) == []


def test_an_alias_inside_its_own_anchor_is_named(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(GOOD + "extra: &loop [1, *loop]\n")
    assert only_problem(path) == (
        f"{path}:9:18: YAML syntax: an alias refers to itself (a recursive `*alias`) "
        "(the limit for a lesson)"
    )


def test_nesting_a_hundred_thousand_brackets_deep_is_refused_quickly(tmp_path: Path) -> None:
    # libyaml takes the square of the depth (minutes) and composing it crashed the interpreter.
    path = tmp_path / "deep.yaml"
    path.write_text(GOOD + "extra: " + "[" * 100_000 + "]" * 100_000 + "\n")
    problem = only_problem(path)
    assert problem.startswith(f"{path}:9:")
    assert "nest" in problem  # ours at 50 levels, or libyaml's own limit (1,000) if it looks ahead


def test_block_nesting_is_bounded_too(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(GOOD + "extra:\n" + "- " * 20_000 + "x\n")
    assert only_problem(path) == (
        f"{path}:10:99: YAML syntax: values are nested more than 50 levels deep "
        "(the limit for a lesson)"
    )


def test_a_file_over_the_size_limit_gets_one_line(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(GOOD + "# " + "x" * 1_100_000 + "\n")
    assert only_problem(path) == (
        f"{path}:1:1: the file is larger than 1 MB, the limit for a lesson file"
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_lesson_that_links_to_dev_zero_ends_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"{path}:1:1: the file is larger than 1 MB, the limit for a lesson file\n"
    )


def test_a_3000_term_solution_is_a_problem_at_its_line(tmp_path: Path) -> None:
    # compile() raised RecursionError, which escaped as a traceback.
    path = tmp_path / "long.yaml"
    path.write_text(GOOD.replace("solution: x = 1", "solution: x = " + "+".join(["1"] * 3000)))
    assert only_problem(path) == (
        f"{path}:6:15: 'solution' is nested too deeply for Python to compile "
        "(split it into several statements)"
    )


def test_a_3000_term_check_expression_is_a_problem_at_its_check(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    long = "+".join(["1"] * 3000)
    path.write_text(GOOD.replace("- defined: x", f"- expression: {{expr: '{long} > 0'}}"))
    problem = only_problem(path)
    assert problem.startswith(f"{path}:8:21: check 'expression': '1+1+1")
    assert problem.endswith("is nested too deeply for Python to compile")


def test_a_null_character_in_code_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "null.yaml"
    path.write_text(GOOD.replace("solution: x = 1", 'solution: "x = 1\\0"'))
    assert only_problem(path) == (
        f"{path}:6:15: 'solution' is not valid Python: source code string cannot contain null bytes"
    )


def test_escape_sequences_in_a_key_are_shown_escaped(tmp_path: Path) -> None:
    # Printed raw, this key erased the real error line and wrote a false verdict in its place.
    path = tmp_path / "escape.yaml"
    key = r"\e[2K\e[1G1 lesson file valid.\e[8m"
    path.write_text(GOOD + f'"{key}": 1\n')
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert result.output == (
        f"{path}:9:1: unknown field '\\x1b[2K\\x1b[1G1 lesson file valid.\\x1b[8m'\n"
    )


def test_loading_raises_lesson_error_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert "100,000 values" in str(caught.value)


def test_an_error_in_quoted_code_points_at_the_code_not_past_the_end(tmp_path: Path) -> None:
    # "\n" escapes put many lines of code on one line of the file; the fuzz found a problem
    # reported 100 lines below the end of the file.
    path = tmp_path / "quoted.yaml"
    path.write_text(GOOD.replace("solution: x = 1", 'solution: "x = 1' + "\\n" * 100 + 'y = ("'))
    assert (
        only_problem(path) == f"{path}:6:15: 'solution' is not valid Python: '(' was never closed"
    )


def test_a_raw_control_character_is_placed_and_named(tmp_path: Path) -> None:
    path = tmp_path / "control.yaml"
    path.write_text(GOOD.replace("Make `x`.", "Make \x1b[2J`x`."))
    assert only_problem(path) == (
        f"{path}:5:16: YAML syntax: the control character U+001B is not allowed in YAML; "
        "write it as an escape"
    )
