"""Reading piped input the way Python's console does."""

from __future__ import annotations

from tutor.inputs import completeness, read_inputs


def codes(text: str) -> list[str]:
    return [item.code or item.command for item in read_inputs(text.splitlines(keepends=True))]


def test_a_simple_statement_runs_as_soon_as_it_is_complete() -> None:
    assert codes("x = 1\ny = 2\n") == ["x = 1", "y = 2"]


def test_a_compound_statement_ends_at_a_blank_line() -> None:
    assert codes("def f():\n    return 1\n\nf()\n") == ["def f():\n    return 1", "f()"]


def test_a_blank_line_followed_by_an_indented_line_stays_inside_the_block() -> None:
    text = "class Net:\n    def a(self):\n        pass\n\n    def b(self):\n        pass\n\nNet()\n"
    assert codes(text) == [
        "class Net:\n    def a(self):\n        pass\n\n    def b(self):\n        pass",
        "Net()",
    ]


def test_an_unindented_statement_right_after_a_block_ends_the_block() -> None:
    text = "def f(x):\n    return x\ny = f(2)\n"
    assert codes(text) == ["def f(x):\n    return x", "y = f(2)"]


def test_else_and_except_lines_continue_their_statement() -> None:
    text = "try:\n    x = 1\nexcept Exception:\n    x = 2\n\n"
    assert codes(text) == ["try:\n    x = 1\nexcept Exception:\n    x = 2"]


def test_a_bracketed_expression_over_several_lines_is_one_input() -> None:
    text = "model = dict(a=1,\n             b=2)\nprint(model)\n"
    assert codes(text) == ["model = dict(a=1,\n             b=2)", "print(model)"]


def test_percent_lines_are_tutor_commands() -> None:
    items = list(read_inputs(["%hint\n", "x = 1\n", "  %skip\n"]))
    assert [(i.command, i.code) for i in items] == [("%hint", ""), ("", "x = 1"), ("%skip", "")]


def test_a_syntax_error_is_passed_on_for_the_worker_to_report() -> None:
    assert codes("x = = 1\ny = 2\n") == ["x = = 1", "y = 2"]


def test_unfinished_input_at_the_end_is_still_run() -> None:
    assert codes("for i in range(3):\n    print(i)") == ["for i in range(3):\n    print(i)"]


def test_completeness_matches_the_console() -> None:
    assert completeness("x = 1") == "complete"
    assert completeness("def f():") == "incomplete"
    assert completeness("def f():\n    return 1\n") == "complete"
    assert completeness("x = = 1") == "invalid"


def test_a_blank_line_inside_brackets_or_a_string_does_not_end_the_input() -> None:
    assert codes('x = """first\n\nsecond"""\ny = 1\n') == ['x = """first\n\nsecond"""', "y = 1"]
    assert codes("layers = [\n    1,\n\n]\n") == ["layers = [\n    1,\n\n]"]
