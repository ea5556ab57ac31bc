"""The `keyword` check: every call of a function in the learner's code passes an argument.

For a step whose point is an argument rather than a result, such as `weights_only=True` in
`torch.load`, which changes nothing where it is already the default but matters where it is
not. Calls are matched by meaning, as for `uses` (`torch.load` after `import torch as t`).
"""

from __future__ import annotations

import ast

from .base import CheckContext, Verdict, check, failed, passed
from .code import _aliases, _call_name, _canonical, _matches, _parse, _STANDARD_ALIASES


@check("keyword", targets=())
def keyword(
    ctx: CheckContext,
    call: str,
    name: str,
    value: bool | int | float | str = True,
    message: str | None = None,
) -> Verdict:
    """Every call of `call` in the learner's code for this step passes `name=value`.

    ```yaml
    - keyword: {call: torch.load, name: weights_only, value: true}
    - keyword:
        call: torch.load
        name: weights_only
        message: "Pass `weights_only=True` to `torch.load`."
    ```
    The step's code must call `call` at least once; `message`, when given, is the title of a
    failing verdict.
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
    for node in sorted(calls, key=lambda n: n.lineno):
        given = next((k.value for k in node.keywords if k.arg == name), None)
        if not (isinstance(given, ast.Constant) and given.value == value):
            return failed(
                message or f"Pass `{shown}` to `{call}`",
                f"line {node.lineno}: `{ast.unparse(node)}`",
            )
    return passed(f"Your code passes `{shown}` to `{call}`")
