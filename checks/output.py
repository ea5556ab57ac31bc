"""The `output` check: what the learner's code printed during the step."""

from __future__ import annotations

import re

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed

# How much of the printed output a failing verdict quotes.
_QUOTED_LINES = 3
_QUOTED_WIDTH = 72


@check("output", shorthand="contains", targets=())
def output(
    ctx: CheckContext,
    contains: str | None = None,
    pattern: str | None = None,
    message: str | None = None,
    success: str | None = None,
) -> Verdict:
    r"""The learner's code printed text containing `contains`, or matching the regex `pattern`.

    ```yaml
    - output: "torch.Size([64, 784])"
    - output: {pattern: 'tensor\(\[\[0\.159\d*\]\]\)', message: "Print `y` to see its value."}
    ```
    Only output printed during the current step counts. `message`, when given, replaces the
    title of a failing verdict; `success`, the ✓ line (say what the text shows, e.g. "The
    picture names the classes", where the matched words alone would mislead).
    """
    if contains is None and pattern is None:
        raise CheckFailed(failed("The `output` check needs `contains` or `pattern`"))
    text = ctx.output
    if contains is not None and contains not in text:
        return failed(message or f"The output does not show `{contains}`", *_printed(text, message))
    if pattern is not None:
        try:
            found = re.search(pattern, text, re.MULTILINE)
        except re.error as error:
            raise CheckFailed(
                failed(f"The check's `pattern` is not a valid regular expression: {error}")
            ) from error
        if found is None:
            return failed(
                message or f"The output does not match `{pattern}`", *_printed(text, message)
            )
        return passed(success or f"The output shows `{_shorten(found.group(0))}`")
    return passed(success or f"The output shows `{contains}`")


def _printed(text: str, message: str | None = None) -> list[str]:
    """The last lines printed, or a note that nothing was (the author's ``message`` says what
    to do, which may be a drawing rather than a `print`)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        if message:
            return ["Nothing was printed in this step."]
        return ["Nothing was printed in this step. Show a value with `print(...)`."]
    shown = [f"  {_shorten(line)}" for line in lines[-_QUOTED_LINES:]]
    return ["The output ends with:", *shown]


def _shorten(line: str) -> str:
    return line if len(line) <= _QUOTED_WIDTH else line[: _QUOTED_WIDTH - 1] + "…"
