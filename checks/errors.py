"""Friendly explanations for the runtime errors learners meet most while learning PyTorch.

``explain_error(exc, namespace)`` returns extra lines shown under the traceback of learner code:
the cause first, then the fix, with the learner's own names where they can be read from the
failing line. Errors are recognised by their type name and message, so this module needs no
torch import.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import os
import re
import traceback
from collections.abc import Callable
from typing import Any

from . import loading, misuse
from .elsewhere import from_earlier_lesson
from .reading import calls_in, dotted, failing_statement, learner_frame, learner_scope

# Names a lesson uses without defining them, and the line that brings each one in.
IMPORT_LINES = {
    "torch": "import torch",
    "np": "import numpy as np",
    "numpy": "import numpy",
    "nn": "from torch import nn",
    "F": "import torch.nn.functional as F",
    "optim": "from torch import optim",
    "helper": "import helper",
    "OrderedDict": "from collections import OrderedDict",
}

_MODULE_WORDS = {"torch": "PyTorch", "np": "NumPy", "numpy": "NumPy", "nn": "`torch.nn`"}
_MODULE_WORDS["F"] = "`torch.nn.functional`"

_DTYPE_WORDS = {
    "double": "float64",
    "float": "float32",
    "half": "float16",
    "bfloat16": "bfloat16",
    "long": "int64",
    "long int": "int64",
    "int": "int32",
    "short": "int16",
    "bool": "bool",
    "byte": "uint8",
    "unsigned char": "uint8",
}


def explain_error(exc: BaseException, namespace: dict[str, Any]) -> list[str]:
    """Extra lines explaining ``exc`` raised by learner code; [] when it is not recognised.

    ``namespace`` is the learner's namespace, read (never written) to find close names and
    rebound modules.
    """
    for explain in _EXPLAINERS:
        try:
            lines = explain(exc, str(exc), namespace)
        except Exception:  # an explanation must never turn into a second error
            lines = []
        if lines:
            return lines
    return []


def where_in_learner_code(exc: BaseException) -> str:
    """ "line 2: `return 1 / x`" for the learner's failing line, or "" when it is not known."""
    frame = learner_frame(exc)
    if frame is None:
        return ""
    text = (frame.line or "").strip()
    return f"line {frame.lineno}: `{text}`" if text else f"line {frame.lineno}"


# ---------------------------------------------------------------------------------------------
# The explainers: each takes (exc, message, namespace) and returns lines, or [] to pass.

_MATMUL = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")


def _matmul_sizes(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    match = _MATMUL.search(message)
    if not match:
        return []
    r1, c1, r2, c2 = (int(g) for g in match.groups())
    if _raised_in_linear_layer(exc):
        return _linear_input(r1, c1, r2, _network_input(exc))
    operands = _matmul_operands(exc)
    if operands:
        call, first, second = operands
        lines = [
            f"`{call}` cannot multiply ({r1}, {c1}) by ({r2}, {c2}): the inner sizes must match "
            f"({c1} and {r2})."
        ]
    else:
        first, second = "the first", "the second"
        lines = [
            f"A matrix multiplication cannot multiply ({r1}, {c1}) by ({r2}, {c2}): the inner "
            f"sizes must match ({c1} and {r2})."
        ]
    if c2 == r1 and r1 > 1:
        # (3, 2) by (1, 3) fails, but (1, 3) by (3, 2) works: the operands are the wrong way round
        swap = f"put `{second}` first" if not second.startswith("the ") else "swap the operands"
        return [
            *lines,
            f"The other order works: ({r2}, {c2}) by ({r1}, {c1}) gives ({r2}, {c1}). "
            f"In a product the data comes first: {swap}.",
        ]
    return [*lines, _matmul_fix(first, second, c1, (r2, c2))]


def _linear_input(rows: int, got: int, wanted: int, given: ast.expr | None = None) -> list[str]:
    """An `nn.Linear` given rows of the wrong length: unflattened images, or layers that don't
    chain. ``given`` is what the learner passed to the network (`images[0]`), when known."""
    lines = [
        f"A layer that takes {wanted} inputs per row got rows of {got} values "
        f"(input seen as ({rows}, {got}))."
    ]
    if got < wanted and (rows * got) % wanted == 0:
        # (64, 1, 28, 28) reaches the layer as (1792, 28): the images were not flattened
        lines.append(f"Flatten the input to {wanted} values per row first, {_flattened(given)}.")
    else:
        lines.append(
            "Each layer's inputs must equal the outputs of the layer before it: check the sizes "
            "and the order of the layers in `forward`."
        )
    return lines


def _flattened(given: ast.expr | None) -> str:
    """How to flatten what the learner passed: one example (`images[0]`) or a batch."""
    index = given.slice if isinstance(given, ast.Subscript) else None
    if isinstance(index, ast.Tuple) and index.elts:
        index = index.elts[0]  # `images[0, :]` is one example too
    if index is not None and not isinstance(index, (ast.Slice, ast.Tuple)):
        shown = ast.unparse(given)  # type: ignore[arg-type]
        return f"as a batch of one: `{shown}.view(1, -1)`"
    if isinstance(given, ast.Name):
        return f"for example `{given.id}.view({given.id}.shape[0], -1)`"
    return "for example `images.view(images.shape[0], -1)`"


def _network_input(exc: BaseException) -> ast.expr | None:
    """The argument of the learner's call of a network (`model(images[0])`), if one is read."""
    # only a call the learner typed at the top level: a check that calls the network has none
    frames = traceback.extract_tb(exc.__traceback__)
    typed = [f for f in frames if f.filename.startswith("<input") and f.name == "<module>"]
    if not typed or not typed[0].line:
        return None
    try:
        tree = ast.parse(typed[0].line.strip())
    except SyntaxError:
        return None
    for call in calls_in(tree):
        name = dotted(call.func) or ""
        if name and not name.startswith(("torch.", "F.", "nn.", "self.")) and len(call.args) == 1:
            return call.args[0]
    return None


def _matmul_fix(first: str, second: str, c1: int, b: tuple[int, int]) -> str:
    r2, c2 = b
    named = not second.startswith("the ")
    quoted = f"`{second}`" if named else second
    if (r2 == 1 or c2 == 1) and (r2 * c2) % c1 == 0:
        # A vector can be reshaped freely: (1, 5) -> (5, 1) keeps its values in order.
        shape = f"{c1}, {r2 * c2 // c1}"
        how = f"`{second}.view({shape})`" if named else f"`.view({shape})`"
        return f"Reshape {quoted} to ({shape}) first, with {how} (or `.reshape`, or `.T`)."
    if c2 == c1:
        return f"Transpose {quoted} with `.T` so that its rows match the columns of {first}."
    return (
        "Reshape with `.view` or `.reshape`, or transpose with `.T`, so that the columns of the "
        "first match the rows of the second."
    )


def _raised_in_linear_layer(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return any(f.filename.endswith(os.path.join("modules", "linear.py")) for f in frames)


def _matmul_operands(exc: BaseException) -> tuple[str, str, str] | None:
    """Read `torch.mm(a, b)`, `a.mm(b)` or `a @ b` off the learner's failing line."""
    frame = learner_frame(exc)
    if frame is None or not frame.line:
        return None
    try:
        tree = ast.parse(frame.line.strip())
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return ast.unparse(node), ast.unparse(node.left), ast.unparse(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr not in ("mm", "matmul"):
                continue
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "torch" and len(node.args) == 2:
                return ast.unparse(node), ast.unparse(node.args[0]), ast.unparse(node.args[1])
            if len(node.args) == 1:
                return ast.unparse(node), ast.unparse(owner), ast.unparse(node.args[0])
    return None


def _mm_needs_matrices(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    if message.strip() not in ("self must be a matrix", "mat2 must be a matrix"):
        return []
    return [
        "`torch.mm` multiplies 2-D tensors (matrices) only, and one of these has a different "
        "number of dimensions.",
        "Reshape it first, for example `x.view(1, -1)` for a row, or use `torch.matmul`.",
    ]


_BROADCAST = re.compile(
    r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) "
    r"at non-singleton dimension (\d+)"
)


def _broadcast(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    match = _BROADCAST.search(message)
    if not match:
        return []
    a, b, dim = (int(g) for g in match.groups())
    if _sums_over_dim_zero(exc):
        return [
            f"`dim=0` adds down each column, giving {b} totals, one per column, where the {a} "
            "rows need one total each.",
            "To divide each row by its own total, sum over `dim=1` and keep the totals as a "
            "column: `torch.sum(x, dim=1).view(-1, 1)` or `keepdim=True`.",
        ]
    first = (
        "Broadcasting matches shapes from the last dimension backwards: at dimension "
        f"{dim} one tensor has size {a} and the other {b}, and neither is 1."
    )
    if _has_call(exc, "sum") or not _named_shapes(exc):
        return [
            first,
            f"If one of them is a sum over `dim=1` with shape ({b},), keep the summed dimension "
            f"so it has shape ({b}, 1): `.view(-1, 1)` or `keepdim=True`.",
        ]
    return [first, f"In this line, {_named_shapes(exc)}."]


def _has_call(exc: BaseException, method: str) -> bool:
    statement = failing_statement(exc)
    calls = calls_in(statement) if statement is not None else []
    return any((dotted(c.func) or "").rsplit(".", 1)[-1] == method for c in calls)


def _named_shapes(exc: BaseException) -> str:
    """ "`inputs` is (64, 784) and `bias_1` is (256, 1)": the tensors the failing line names."""
    statement, scope = failing_statement(exc), learner_scope(exc)
    if statement is None:
        return ""
    shown: list[str] = []
    names = [n for n in ast.walk(statement) if isinstance(n, ast.Name)]
    for node in sorted(names, key=lambda n: (n.lineno, n.col_offset)):
        name, value = node.id, scope.get(node.id)
        shape = getattr(value, "shape", None)
        if type(value).__name__ in ("Tensor", "Parameter") and shape is not None:
            text = f"`{name}` is {tuple(int(n) for n in shape)}"
            if text not in shown:
                shown.append(text)
    if not shown:
        return ""
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _sums_over_dim_zero(exc: BaseException) -> bool:
    """Whether the failing statement sums with `dim=0` (`torch.sum(x, dim=0)`, `x.sum(0)`)."""
    statement = failing_statement(exc)
    for call in calls_in(statement) if statement is not None else []:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name != "sum":
            continue
        dims = [k.value for k in call.keywords if k.arg == "dim"]
        if isinstance(func, ast.Attribute) and dotted(func.value) != "torch":
            dims += call.args[:1]  # `x.sum(0)`
        else:
            dims += call.args[1:2]  # `torch.sum(x, 0)`
        if any(isinstance(d, ast.Constant) and d.value == 0 for d in dims):
            return True
    return False


_DTYPE_PATTERNS = (
    re.compile(r"same dtype, but got:? ([a-zA-Z][\w ]*?) (?:!=|and) ([a-zA-Z][\w ]*)"),
    re.compile(r"expected scalar type (\w+) but found (\w+)"),
    re.compile(r"[Ff]ound dtype (\w+) but expected (\w+)"),
)


def _dtype_mismatch(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    for pattern in _DTYPE_PATTERNS:
        match = pattern.search(message)
        if match:
            break
    else:
        return []
    kinds = [_DTYPE_WORDS.get(g.strip().lower(), g.strip().lower()) for g in match.groups()]
    lines = [f"One tensor is {kinds[0]} and the other {kinds[1]}, and this operation needs one."]
    if "float64" in kinds:
        lines.append("NumPy arrays are float64, and `torch.from_numpy` keeps that.")
        lines.append("Convert the float64 one with `.float()`.")
    elif any(k.startswith(("int", "uint")) for k in kinds):
        lines.append(
            "Tensors made from whole numbers hold integers: convert with `.float()`, or write "
            "the numbers as `1.0`."
        )
    else:
        lines.append("Convert one of them with `.to(...)` so the dtypes agree.")
    return lines


_DEVICES = re.compile(r"on the same device, but found at least two devices, ([\w:]+) and ([\w:]+)")


def _device_mismatch(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    match = _DEVICES.search(message)
    if not match:
        return []
    first, second = match.groups()
    return [
        f"Some tensors are on {first} and others on {second}; an operation needs them together.",
        "Move them all with `.to(device)`: `device` is the tutor's chosen device.",
    ]


def _view_errors(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    if message.startswith("view size is not compatible with input tensor's size and stride"):
        return [
            "`.view` needs the values laid out in order in memory, and `.T` or slicing breaks "
            "that order.",
            "Use `.reshape(...)`, which copies when it must.",
        ]
    match = re.search(r"shape '\[([-\d, ]+)\]' is invalid for input of size (\d+)", message)
    if match:
        shape, size = match.group(1), match.group(2)
        return [
            f"A tensor with {size} values cannot take the shape ({shape}): the sizes must "
            f"multiply to {size}.",
            "Use -1 for one size to let PyTorch work it out, e.g. `.view(-1, 1)`.",
        ]
    return []


def _module_init(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    if "before Module.__init__() call" not in message:
        return []
    return [
        "`nn.Module` sets up the bookkeeping for layers in its own `__init__`, and your class's "
        "`__init__` did not call it.",
        "Add `super().__init__()` as the first line of `__init__`, then create the model again.",
    ]


def _missing_forward(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    if (
        type(exc).__name__ != "NotImplementedError"
        or 'missing the required "forward"' not in message
    ):
        return []
    return [
        "The class has no `forward` method, so the network does not know what to compute.",
        "Define `def forward(self, x):` inside the class (indented like `__init__`), spelt "
        "exactly `forward`.",
    ]


# The tutor's `%` commands (tutor/commands.py; a test keeps the two in step), for a learner who
# types `hint` where `%hint` was meant.
TUTOR_COMMANDS = frozenset(
    {"hint", "solution", "skip", "back", "next", "goto", "compare", "reset", "restart", "vars"}
    | {"step", "lessons", "help"}
)


def _name_error(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    if type(exc).__name__ != "NameError":
        return []
    name = getattr(exc, "name", None)
    if not name:
        match = re.search(r"name '(\w+)' is not defined", message)
        name = match.group(1) if match else None
    if not name:
        return []
    if name in IMPORT_LINES:
        return [f"`{name}` is not imported yet: run `{IMPORT_LINES[name]}`."]
    if name in TUTOR_COMMANDS:
        return [f"`{name}` is a tutor command: type `%{name}` (commands start with `%`)."]
    earlier = from_earlier_lesson(name, namespace)
    if earlier:
        return earlier
    candidates = [k for k in namespace if not k.startswith("_")]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    if close:
        return [f"There is no `{name}` yet. Did you mean `{close[0]}`?"]
    return []


def _rebound_module(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`torch = 5` earlier makes `torch.exp` fail later: say which name was rebound."""
    match = re.search(r"'(\w+)' object has no attribute '(\w+)'", message)
    if type(exc).__name__ != "AttributeError" or not match:
        return []
    kind, attribute = match.groups()
    for alias, what in _MODULE_WORDS.items():
        if alias not in namespace:
            continue
        value = namespace[alias]
        if type(value).__name__ != "module" and type(value).__name__ == kind:
            return [
                f"`{alias}` is {_short(value)} now, not the {what} module, so "
                f"`{alias}.{attribute}` does not exist.",
                f"Run `{IMPORT_LINES[alias]}` again to get it back.",
            ]
    return []


def _shadowed_builtin(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`len = 3` earlier makes `len(x)` fail later: say which built-in is hidden."""
    match = re.search(r"'(\w+)' object is not callable", message)
    if type(exc).__name__ != "TypeError" or not match:
        return []
    for name, value in namespace.items():
        original = getattr(builtins, name, None)
        if original is None or value is original or not callable(original):
            continue
        if type(value).__name__ == match.group(1):
            return [
                f"`{name}` is {_short(value)} in your namespace, which hides Python's `{name}`.",
                f"Remove it with `del {name}`.",
            ]
    return []


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:29] + "…"


_DRAWN_HERE = (
    "Pictures are drawn right in the terminal, with `helper.imshow(image)` and "
    "`helper.view_classify(image, ps)`, and training curves with "
    "`helper.plot_losses(train_losses, test_losses)`."
)

# Packages notebook code imports that the tutor replaces with its own.
_PROVIDED_INSTEAD = {
    "torchvision": "The tutor provides the data itself: `trainloader` and `trainset` are ready "
    "in lessons that use images, and `tutor.data.mnist()` makes more.",
    "matplotlib": f"It is not installed here. {_DRAWN_HERE}",
}


def _provided_module(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if type(exc).__name__ == "NameError" and name == "plt":
        # the notebook's `plt.plot(...)` after an `import matplotlib.pyplot as plt` that failed
        return ["`plt` is Matplotlib's, which the tutor does not have.", _DRAWN_HERE]
    if type(exc).__name__ != "ModuleNotFoundError" or name not in _PROVIDED_INSTEAD:
        return []
    return [f"`{name}` is not needed in the tutor.", _PROVIDED_INSTEAD[name]]


def _iterator_next(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    if type(exc).__name__ != "AttributeError" or "has no attribute 'next'" not in message:
        return []
    return [
        "Iterators have no `.next()` method in today's Python and PyTorch.",
        "Use the built-in instead: `images, labels = next(dataiter)`.",
    ]


def _dimension_out_of_range(
    exc: BaseException, message: str, namespace: dict[str, Any]
) -> list[str]:
    match = re.search(
        r"Dimension out of range \(expected to be in range of \[(-?\d+), (\d+)\]", message
    )
    if type(exc).__name__ != "IndexError" or not match:
        return []
    dims = int(match.group(2)) + 1
    noun = "dimension" if dims == 1 else "dimensions"
    if dims > 1:
        numbered = ", ".join(f"`dim={d}`" for d in range(dims - 1)) + f" and `dim={dims - 1}`"
        return [
            f"The tensor here has {dims} {noun}, so that `dim` does not exist.",
            f"Dimensions are numbered from 0: it has {numbered} (and `dim=-1` for the last).",
        ]
    return [
        f"The tensor here has {dims} {noun}, so that `dim` does not exist.",
        "A single example often lost its batch dimension: `x.view(1, -1)` puts it back.",
    ]


_EXPLAINERS: tuple[Callable[[BaseException, str, dict[str, Any]], list[str]], ...] = (
    *misuse.EXPLAINERS,
    *loading.EXPLAINERS,
    _matmul_sizes,
    _mm_needs_matrices,
    _broadcast,
    _dtype_mismatch,
    _device_mismatch,
    _view_errors,
    _module_init,
    _missing_forward,
    _name_error,
    _rebound_module,
    _shadowed_builtin,
    _provided_module,
    _iterator_next,
    _dimension_out_of_range,
)
