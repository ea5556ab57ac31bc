"""Loading lessons, and the catalogue of broken lessons with the exact message each one gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.lesson import LessonError, load_lesson, validate_file

GOOD = """
id: demo
title: Demo
setup: import torch
steps:
  - id: make-x
    text: Make `x`, a tensor of three ones.
    solution: x = torch.ones(3)
    checks:
      - tensor: {name: x, shape: [3]}
    hints: ["`torch.ones` takes a size."]
  - id: pick
    kind: choice
    text: Which changes a tensor in place?
    options: [view, {text: resize_, why: "The underscore marks in-place methods."}]
    answer: resize_
"""


def test_a_valid_lesson_loads_into_the_model(write_lesson) -> None:  # type: ignore[no-untyped-def]
    lesson = load_lesson(write_lesson(GOOD))
    assert lesson.id == "demo" and lesson.setup == "import torch"
    first, second = lesson.steps
    assert first.checks[0].name == "tensor" and first.checks[0].args == {"name": "x", "shape": [3]}
    assert first.hints == ("`torch.ones` takes a size.",)
    assert second.is_choice and [o.text for o in second.options] == ["view", "resize_"]
    assert second.options[1].why == "The underscore marks in-place methods."


def test_shorthand_check_arguments_are_normalised(write_lesson) -> None:  # type: ignore[no-untyped-def]
    lesson = load_lesson(
        write_lesson(GOOD.replace("- tensor: {name: x, shape: [3]}", "- matches_solution: [x]"))
    )
    assert lesson.steps[0].checks[0].args == {"names": ["x"]}


# Each broken lesson: what to change in GOOD (or a whole text), and the one problem expected.
CATALOGUE = [
    (
        "yaml-syntax",
        GOOD.replace("[3]}", "[3]"),
        "10:5: YAML syntax: while parsing a flow mapping started at 9:17, did not find expected ',' or '}'",
    ),
    (
        "duplicate-key",
        GOOD.replace("    hints:", "    text: again\n    hints:"),
        "10:5: YAML syntax: duplicate key 'text' (first at line 6)",
    ),
    (
        "not-a-mapping",
        "- just\n- a list\n",
        "1:1: a lesson must be a mapping with id, title, steps",
    ),
    ("empty-file", "", "1:1: a lesson must be a mapping with id, title, steps"),
    (
        "missing-title",
        GOOD.replace("title: Demo\n", ""),
        "1:1: the lesson is missing required field 'title'",
    ),
    ("no-steps", "id: demo\ntitle: Demo\nsteps: []\n", "3:8: 'steps' needs at least 1 item"),
    (
        "step-without-text",
        GOOD.replace("    text: Make `x`, a tensor of three ones.\n", ""),
        "5:5: step 1 is missing required field 'text'",
    ),
    (
        "misspelt-field",
        GOOD.replace("    hints:", "    hint:"),
        "10:5: unknown field 'hint' (did you mean 'hints'?)",
    ),
    (
        "unknown-check",
        GOOD.replace("- tensor:", "- tensr:"),
        "9:9: unknown check 'tensr' (did you mean 'tensor'?)",
    ),
    (
        "unknown-check-argument",
        GOOD.replace("shape: [3]", "shap: [3]"),
        "9:27: unknown field 'shap' (did you mean 'shape'?)",
    ),
    (
        "wrong-argument-type",
        GOOD.replace("shape: [3]", "shape: three"),
        "9:34: 'shape' must be a list",
    ),
    (
        "code-step-without-solution",
        GOOD.replace("    solution: x = torch.ones(3)\n", ""),
        "5:5: step 1 is missing required field 'solution'",
    ),
    (
        "choice-without-options",
        GOOD.replace(
            '    options: [view, {text: resize_, why: "The underscore marks in-place methods."}]\n',
            "",
        ),
        "11:5: step 2 is missing required field 'options'",
    ),
    (
        "answer-not-an-option",
        GOOD.replace("answer: resize_", "answer: resize"),
        "15:13: answer 'resize' is not one of the options (view, resize_) (did you mean 'resize_'?)",
    ),
    (
        "duplicate-step-id",
        GOOD.replace("id: pick", "id: make-x"),
        "11:9: step id 'make-x' is used twice (first by step 1)",
    ),
    (
        "solution-syntax-error",
        GOOD.replace(
            "solution: x = torch.ones(3)", "solution: |\n      x = torch.ones(3)\n      y = (x"
        ),
        "9:15: 'solution' is not valid Python: '(' was never closed",
    ),
    (
        "unknown-kind",
        GOOD.replace("kind: choice", "kind: quiz"),
        "12:11: 'kind' must be one of 'code', 'choice'",
    ),
    (
        "bad-step-id",
        GOOD.replace("id: pick", 'id: "pick one"'),
        "11:9: 'id' must start with a letter or digit and use only letters, digits, '-', '_' and '.'",
    ),
    (
        "hints-not-a-list",
        GOOD.replace('hints: ["`torch.ones` takes a size."]', "hints: use torch.ones"),
        "10:12: 'hints' must be a list",
    ),
    (
        "two-checks-in-one-item",
        GOOD.replace("- tensor: {name: x, shape: [3]}", "- {defined: x, callable: x}"),
        "9:9: a check is written as one name with its arguments",
    ),
    (
        "bad-check-expression",
        GOOD.replace(
            "- tensor: {name: x, shape: [3]}", "- function: {name: f, inputs: ['torch.ones(3']}"
        ),
        "9:19: check 'function': 'torch.ones(3' is not a Python expression ('(' was never closed)",
    ),
    (
        "solution-on-a-choice-step",
        GOOD.replace("    answer: resize_", "    answer: resize_\n    solution: x = 1"),
        "16:5: 'solution' belongs to code steps; a choice step has options and answer",
    ),
    (
        "options-on-a-code-step",
        GOOD.replace("    hints: [", "    answer: x\n    hints: ["),
        "10:5: 'answer' belongs to choice steps: add `kind: choice`",
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_a_broken_lesson_gets_one_exact_positioned_message(
    write_lesson, case: str, text: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    path = write_lesson(text)
    problems = validate_file(path)
    assert [str(p) for p in problems] == [f"{path}:{expected}"]


def test_loading_a_broken_lesson_raises_with_every_problem(write_lesson) -> None:  # type: ignore[no-untyped-def]
    broken = GOOD.replace("    hints:", "    hint:").replace("title: Demo\n", "")
    with pytest.raises(LessonError) as raised:
        load_lesson(write_lesson(broken))
    messages = [p.message for p in raised.value.problems]
    assert "the lesson is missing required field 'title'" in messages
    assert "unknown field 'hint' (did you mean 'hints'?)" in messages


def test_a_missing_file_is_a_one_line_problem(tmp_path: Path) -> None:
    (problem,) = validate_file(tmp_path / "nope.yaml")
    assert (
        str(problem)
        == f"{tmp_path / 'nope.yaml'}:1:1: cannot read the file: No such file or directory"
    )


def test_yaml_tags_that_would_build_python_objects_are_refused(write_lesson) -> None:  # type: ignore[no-untyped-def]
    path = write_lesson("id: !!python/object/apply:os.system ['echo hi']\ntitle: x\nsteps: []\n")
    (problem,) = validate_file(path)
    assert "python/object" in problem.message and "not allowed" in problem.message


def test_every_builtin_lesson_is_valid() -> None:
    from tutor.catalog import builtin_paths

    paths = builtin_paths()
    assert paths, "no built-in lessons were found"
    for path in paths:
        assert validate_file(path) == [], path


def test_a_recursive_alias_is_a_problem_not_a_crash(write_lesson) -> None:  # type: ignore[no-untyped-def]
    (problem,) = validate_file(write_lesson("id: x\ntitle: x\nsteps: &a [*a]\n"))
    assert "refers to itself" in problem.message


def test_a_syntax_error_in_a_block_solution_points_at_its_line(write_lesson) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace("solution: x = torch.ones(3)", "solution: |-\n      x = 1\n      y = (")
    (problem,) = validate_file(write_lesson(text))
    assert (problem.line, problem.message) == (
        9,
        "'solution' is not valid Python: '(' was never closed",
    )


def test_function_inputs_may_be_several_arguments(write_lesson) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace(
        "- tensor: {name: x, shape: [3]}", "- function: {name: f, inputs: ['x, dim=1']}"
    )
    assert validate_file(write_lesson(text)) == []


def test_problems_in_different_steps_are_all_reported_at_once(write_lesson) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace("id: pick", "id: make-x").replace("- tensor:", "- tensr:")
    messages = [p.message for p in validate_file(write_lesson(text))]
    assert "unknown check 'tensr' (did you mean 'tensor'?)" in messages
    assert "step id 'make-x' is used twice (first by step 1)" in messages


def test_a_check_missing_its_colon_is_named(write_lesson) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace("- tensor: {name: x, shape: [3]}", "- defined x")
    (problem,) = validate_file(write_lesson(text))
    assert problem.message == (
        "a check is written as `- name: arguments`; is a colon missing in 'defined x'?"
    )


def test_an_option_listed_twice_is_a_problem(write_lesson) -> None:  # type: ignore[no-untyped-def]
    text = GOOD.replace("options: [view,", "options: [view, view,")
    (problem,) = validate_file(write_lesson(text))
    assert problem.message == "option 'view' is listed twice"


NUMBERED = """
id: demo
title: Demo
steps:
  - id: labels
    kind: choice
    text: Which label does `sandal` get?
    options: {options}
    answer: "{answer}"
"""


def test_bare_number_options_that_a_typed_number_would_misread_are_a_problem(write_lesson) -> None:  # type: ignore[no-untyped-def]
    # lesson7's labels step had these: typing `3` for the third option chose the label 3
    text = NUMBERED.format(options='["0", "1", "2", "3"]', answer="2")
    path = write_lesson(text)
    assert [str(p) for p in validate_file(path)] == [
        f"{path}:7:20: option 2 is the bare number '1': a learner who types 1 to choose option 1 "
        "('0') gets this one, since an option's text wins over its number. Write the options in "
        "words, such as 'label 1'"
    ]
    with pytest.raises(LessonError):
        load_lesson(path)


def test_a_number_option_in_block_style_is_pointed_at_on_its_own_line(write_lesson) -> None:  # type: ignore[no-untyped-def]
    options = '\n      - {text: "2", why: "no"}\n      - "`1`"\n      - three'
    (problem,) = validate_file(write_lesson(NUMBERED.format(options=options, answer="three")))
    assert (problem.line, problem.message.split(":")[0]) == (8, "option 1 is the bare number '2'")


@pytest.mark.parametrize(
    "options",
    [
        '["1", "2", "3", "4"]',  # each option is its own number: typing either way agrees
        '["0.1", "1.0", "2.3", "10"]',  # 10 is no option's number among four
        '["label 0", "label 1", "label 2", "label 3"]',
    ],
)
def test_number_options_no_typed_number_misreads_are_allowed(write_lesson, options: str) -> None:  # type: ignore[no-untyped-def]
    answer = options.strip("[]").split(", ")[2].strip('"')
    assert validate_file(write_lesson(NUMBERED.format(options=options, answer=answer))) == []
