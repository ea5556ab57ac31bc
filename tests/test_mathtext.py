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
