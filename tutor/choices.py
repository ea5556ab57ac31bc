"""Matching a learner's answer to a choice step's options, forgiving how it is written.

match_option(step, "2")            # -> the second option
match_option(step, "`resize_()`")  # -> the option `resize_`
close_option(step, "resize")       # -> `resize_`: a near miss, worth a "did you mean"
"""

from __future__ import annotations

import difflib

from tutor.lesson import Option, Step


def match_option(step: Step, text: str) -> Option | None:
    """The option ``text`` names: its text (ignoring case, backticks, ``()`` and a ``torch.``
    prefix), else its number."""
    answer = text.strip().strip("`'\"").strip()
    wanted = _normalise_option(answer)
    for option in step.options:
        if _normalise_option(option.text) == wanted:
            return option
    if answer.isdigit():
        number = int(answer)
        return step.options[number - 1] if 1 <= number <= len(step.options) else None
    return None


def close_option(step: Step, text: str) -> Option | None:
    """The option ``text`` nearly names (`resize` for `resize_`), or None."""
    options = {_normalise_option(o.text): o for o in step.options}
    wanted = _normalise_option(text)
    close = difflib.get_close_matches(wanted, list(options), n=2, cutoff=0.75)
    if len(close) == 2 and _likeness(wanted, close[0]) == _likeness(wanted, close[1]):
        return None  # as close to two options (`float`: float32 or float64?): no give-away
    if close:
        return options[close[0]]
    # a word of one option (`channels` for `colour channels`)
    word = text.strip().lower()
    holding = [o for o in step.options if word in o.text.lower().split()]
    return holding[0] if len(word) >= 4 and word.isidentifier() and len(holding) == 1 else None


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _normalise_option(text: str) -> str:
    text = "".join(text.split()).strip("`").lower()  # `(2, )` names the option `(2,)`
    for prefix in ("torch.", "np.", "numpy."):
        text = text.removeprefix(prefix)
    return text[:-2] if text.endswith("()") else text


def not_an_option(step: Step, text: str) -> str:
    """What to say to an answer that names no option: a near miss first, then the choices."""
    choices = "; ".join(f"{n}) `{o.text}`" for n, o in enumerate(step.options, start=1))
    near = close_option(step, text)
    guess = f"Did you mean `{near.text}`? " if near else ""
    return f"{guess}Answer with one of the options or its number: {choices}"


def answer_message(step: Step, option: Option) -> str:
    """What to say to a chosen option: the step's explanation when right, else why not."""
    if option.text == step.answer:
        return step.explanation or option.why
    why = option.why or "Have another look at the step's text."
    return f"`{option.text}` is not the answer. {why}"
