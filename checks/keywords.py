"""The `keyword` check: the learner's call of a function passes an argument.

For a step whose point is an argument rather than a result, such as `weights_only=True` in
`torch.load`, which changes nothing where it is already the default but matters where it is
not. Calls are matched by meaning, as for `uses` (`torch.load` after `import torch as t`).
"""

from __future__ import annotations

import ast

from .base import CheckContext, Verdict, check, failed, passed
from .code import _STANDARD_ALIASES, _aliases, _call_name, _canonical, _matches, _parse


@check("keyword", targets=())
def keyword(
    ctx: CheckContext,
    call: str,
    name: str,
    value: bool | int | float | str = True,
    message: str | None = None,
) -> Verdict:
    """The learner's latest call of `call` in this step passes `name=value`.

    ```yaml
    - keyword: {call: torch.load, name: weights_only, value: true}
    - keyword:
        call: torch.load
        name: weights_only
        message: "Pass `weights_only=True` to `torch.load`."
    ```
    The step's code must call `call` at least once, and its latest call (an earlier one the
    learner typed again is not held against them) must pass `name` as the literal `value`.
    `message`, when given, is the title of a failing verdict.
    """
    tree = _parse(ctx.code)
    wanted = _canonical(call.split("."), _STANDARD_ALIASES)
    aliases = _aliases(tree)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _matches(_call_name(node, aliases), wanted)
    ]
    shown = f"{name}={value!r}"
    if not calls:
        return failed(message or f"This step asks for a call of `{call}`", "")
    # the latest call counts: a learner who fixes a call by typing it again has fixed it
    last = max(calls, key=lambda n: (n.lineno, n.col_offset))
    given = next((k.value for k in last.keywords if k.arg == name), None)
    if not (isinstance(given, ast.Constant) and given.value == value):
        return failed(
            message or f"Pass `{shown}` to `{call}`",
            f"line {last.lineno}: `{ast.unparse(last)}`",
        )
    return passed(f"Your code passes `{shown}` to `{call}`")
