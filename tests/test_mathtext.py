"""Lesson math turned into readable Unicode."""

from __future__ import annotations

from tutor.mathtext import replace_math, to_unicode


def test_the_sigmoid_reads_as_a_fraction_with_a_superscript() -> None:
    assert to_unicode(r"\sigma(x) = \frac{1}{1 + e^{-x}}") == "σ(x) = 1 / (1 + e⁻ˣ)"


def test_a_weighted_sum_uses_the_sum_sign_and_subscripts() -> None:
    assert to_unicode(r"\sum_i w_i x_i") == "∑ᵢ wᵢ xᵢ"


def test_left_and_right_sizing_commands_disappear() -> None:
    assert to_unicode(r"y = f\left(\sum_i w_i x_i + b\right)") == "y = f(∑ᵢ wᵢ xᵢ + b)"


def test_only_dollar_delimited_math_is_replaced() -> None:
    assert replace_math("costs $5 and $10; $\\alpha$ and $$x^2$$") == "costs $5 and $10; α and x²"


def test_an_unknown_command_is_kept_readable() -> None:
    assert to_unicode(r"\foo{x}") == "foox"


def test_the_gradient_descent_update_reads_with_its_symbols() -> None:
    # lesson3's optimizer step: `\ell` came out as "ell" and the partials in brackets
    tex = r"w \leftarrow w - \eta \, \frac{\partial \ell}{\partial w}"
    assert to_unicode(tex) == "w ← w - η ∂ℓ / ∂w"


def test_a_derivative_fraction_needs_no_brackets() -> None:
    assert to_unicode(r"\frac{\partial z}{\partial x}") == "∂z / ∂x"
    assert to_unicode(r"\frac{\partial^2 y}{\partial x^2}") == "∂²y / ∂x²"


def test_inline_math_wrapped_onto_a_second_line_is_still_math() -> None:
    # the lesson's text wrapped the formula; the raw LaTeX reached the learner
    text = "a step, $w \\leftarrow w - \\eta\n\\, \\frac{\\partial \\ell}{\\partial w}$; the step"
    assert replace_math(text) == "a step, w ← w - η ∂ℓ / ∂w; the step"


def test_inline_math_never_runs_over_a_blank_line() -> None:
    text = "costs $5 and\n\n$10 each, $x$"
    assert replace_math(text) == "costs $5 and\n\n$10 each, x"
