"""Explanations for errors that come from using a PyTorch or Python tool the wrong way.

Each explainer takes ``(exc, message, namespace)`` and returns lines (the cause, then the fix,
with the learner's own names read from the failing statement), or [] to pass; ``errors.py``
tries them in turn. Examples of what they name:

- `model.fc1.bias.fill_(0)` on a parameter: in place on a tensor that tracks gradients;
- `nn.Sequential(nn.Linear(784, 128), F.relu)`: a function where a module belongs, and a plain
  `dict` or a list given to `nn.Sequential`;
- `math.exp(x)` or `np.exp(x)` on a tensor, `b.numpy` without `()`, `x.shape()` with them;
- `model.fc1.bias = 0`: a plain value where a layer keeps a parameter.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import Any

from .reading import calls_in, dotted, failing_statement, resolve, unparse

# ---------------------------------------------------------------------------------------------
# In place on a tensor that tracks gradients


def leaf_in_place(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`model.fc1.bias.fill_(0)`: PyTorch refuses to change a parameter in place directly."""
    if "leaf Variable that requires grad is being used in an in-place operation" not in message:
        return []
    call = _in_place_call(exc)
    if call is None:
        return [
            "A tensor that tracks gradients, such as a layer's weights or biases, cannot be "
            "changed in place directly.",
            "Change the numbers behind it, its `.data`, or make the change inside "
            "`with torch.no_grad():`.",
        ]
    owner, method = call.func.value, call.func.attr  # type: ignore[attr-defined]
    through_data = ast.Call(
        func=ast.Attribute(ast.Attribute(owner, "data", ast.Load()), method, ast.Load()),
        args=call.args,
        keywords=call.keywords,
    )
    return [
        f"`{unparse(owner)}` tracks gradients for training, so PyTorch does not let `{method}` "
        "change it in place directly.",
        f"Change the numbers behind it, its `.data`: `{unparse(through_data)}`. Or make the "
        f"change inside `with torch.no_grad():`.",
    ]


def _in_place_call(exc: BaseException) -> ast.Call | None:
    statement = failing_statement(exc)
    if statement is None:
        return None
    for call in calls_in(statement):
        func = call.func
        if not isinstance(func, ast.Attribute):
            continue
        in_place = func.attr.endswith("_") and not func.attr.endswith("__")
        if in_place and not _through_data(func.value):
            return call
    return None


def _through_data(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "data"


# ---------------------------------------------------------------------------------------------
# nn.Sequential given something that is not a module

# Functions of `torch` and `torch.nn.functional`, and the modules that do the same job.
_MODULE_FOR = {
    "relu": "nn.ReLU()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=1)",
    "log_softmax": "nn.LogSoftmax(dim=1)",
    "leaky_relu": "nn.LeakyReLU()",
    "elu": "nn.ELU()",
    "gelu": "nn.GELU()",
    "dropout": "nn.Dropout()",
    "flatten": "nn.Flatten()",
}

_NOT_A_MODULE = re.compile(r"^(\S+) is not a Module subclass$")


def not_a_module(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`nn.Sequential(..., F.relu)`, `nn.Sequential(..., nn.ReLU)`, a `dict` or a list."""
    match = _NOT_A_MODULE.match(message.strip())
    if type(exc).__name__ != "TypeError" or not match:
        return []
    qualified = match.group(1)
    last = qualified.rsplit(".", 1)[-1]
    if qualified == "dict":
        return [
            "`nn.Sequential` takes the names of its modules from an `OrderedDict`, not from a "
            "plain `dict`.",
            "Wrap it: `nn.Sequential(OrderedDict(...))`, after `from collections import "
            "OrderedDict`; an `OrderedDict` takes a list of (name, module) pairs, or your dict.",
        ]
    if qualified in ("list", "tuple"):
        return [
            f"`nn.Sequential` takes its modules as separate arguments, not as one {qualified}.",
            "Leave out the brackets, or unpack it with `*`: `nn.Sequential(*layers)`.",
        ]
    spelled = _spelling(exc, last) or qualified
    if last[:1].isupper() and qualified.startswith("torch.nn."):
        made = f"{spelled}(dim=1)" if last in ("Softmax", "LogSoftmax") else f"{spelled}()"
        return [
            f"`{spelled}` is the class; `nn.Sequential` needs a module made from it.",
            f"Add the parentheses: `{made}`.",
        ]
    if last in _MODULE_FOR:
        return [
            f"`{spelled}` is a function, and `nn.Sequential` takes modules only.",
            f"Use the module `{_MODULE_FOR[last]}` in its place.",
        ]
    return []


def _spelling(exc: BaseException, last: str) -> str | None:
    """How the failing statement wrote the argument that ends in ``last`` (`F.relu`)."""
    statement = failing_statement(exc)
    if statement is None:
        return None
    for call in calls_in(statement):
        for argument in call.args:
            text = dotted(argument)
            if text and text.rsplit(".", 1)[-1] == last:
                return text
    return None


# ---------------------------------------------------------------------------------------------
# Functions for numbers or arrays applied to tensors

_MATH_WITH_TORCH = {"exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "floor", "ceil", "log2"}


def number_function_on_tensor(
    exc: BaseException, message: str, namespace: dict[str, Any]
) -> list[str]:
    """`math.exp(x)` for a tensor `x` of several values."""
    if "only one element tensors can be converted to Python scalars" not in message:
        return []
    statement = failing_statement(exc)
    for call in calls_in(statement) if statement is not None else []:
        name = dotted(call.func) or ""
        if name.startswith("math."):
            function = name.split(".", 1)[1]
            fix = f"`torch.{function}`" if function in _MATH_WITH_TORCH else "a `torch` function"
            return [
                f"`{name}` works on one Python number, not on a tensor of many values.",
                f"Use {fix}, which works on every element of a tensor at once.",
            ]
        if name in ("float", "int"):
            return [
                f"`{name}(...)` turns a tensor of one value into a number, and this tensor "
                "has several values.",
                "Keep it a tensor, or pick one value first, as in `x[0]`.",
            ]
    return []


_NUMPY_REFUSED = (
    ("Can't call numpy() on Tensor that requires grad", "that tracks gradients"),
    ("device type tensor to numpy", "on the GPU"),
)


def numpy_function_on_tensor(
    exc: BaseException, message: str, namespace: dict[str, Any]
) -> list[str]:
    """`np.exp(x)` for a tensor on the GPU or one that tracks gradients."""
    reason = next((why for text, why in _NUMPY_REFUSED if text in message), None)
    statement = failing_statement(exc)
    if reason is None or statement is None:
        return []
    for call in calls_in(statement):
        name = dotted(call.func) or ""
        module, _, function = name.partition(".")
        if module in ("np", "numpy") and function:
            return [
                f"`{name}` turns the tensor into a NumPy array first, which cannot be done for "
                f"a tensor {reason}.",
                f"Use `torch.{function}`, which works on every tensor.",
            ]
    return []


# ---------------------------------------------------------------------------------------------
# A method without its call, an attribute with one

_METHOD_TYPES = ("builtin_function_or_method", "method")


def method_not_called(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`b.numpy` where `b.numpy()` was meant, found when the method object is then used."""
    if not any(f"'{kind}'" in message or f"got {kind})" in message for kind in _METHOD_TYPES):
        return []
    statement = failing_statement(exc)
    if statement is None:
        return []
    called = {id(call.func) for call in calls_in(statement)}
    for node in ast.walk(statement):
        if not isinstance(node, ast.Attribute) or id(node) in called:
            continue
        found, value = resolve(node, namespace)
        if found and is_bound_method(value):
            text = unparse(node)
            return [
                f"`{text}` is the method itself, not its result; call it with `()`: `{text}()`."
            ]
    return []


def is_bound_method(value: Any) -> bool:
    """A method taken from an object, such as `b.numpy` (not a function of a module)."""
    owner = getattr(value, "__self__", None)
    kind = type(value).__name__
    return kind in _METHOD_TYPES and owner is not None and type(owner).__name__ != "module"


def shape_called(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`x.shape()`: `shape` is an attribute, and `torch.Size` cannot be called."""
    if "'torch.Size' object is not callable" not in message:
        return []
    statement = failing_statement(exc)
    for call in calls_in(statement) if statement is not None else []:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "shape":
            owner = unparse(func.value)
            return [
                f"`{owner}.shape` is an attribute, not a method: write it without `()`.",
                f"(`{owner}.size()` is the method that gives the same.)",
            ]
    return []


# ---------------------------------------------------------------------------------------------
# Replacing a layer's parameter with a plain value

_PARAMETER = re.compile(r"cannot assign '[^']+' as parameter '(\w+)'")


def parameter_replaced(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`model.fc1.bias = 0`: a layer keeps its weights and biases as `nn.Parameter`s."""
    match = _PARAMETER.search(message)
    if type(exc).__name__ != "TypeError" or not match:
        return []
    statement = failing_statement(exc)
    target = f"layer.{match.group(1)}"
    if statement is not None:
        for node in ast.walk(statement):
            if isinstance(node, ast.Assign):
                target = unparse(node.targets[0])
                break
    change = "fill_(0)" if match.group(1) == "bias" else "normal_(std=0.01)"
    return [
        f"`{target}` must stay a parameter of its layer, which training adjusts, so a plain "
        "value cannot replace it.",
        f"Change its numbers in place instead, through `.data`: for example "
        f"`{target}.data.{change}`.",
    ]


# ---------------------------------------------------------------------------------------------
# An attribute spelt differently


def misspelt_attribute(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`model[0].weights`, `images.shapes`, `nn.relu`: the attribute meant."""
    match = re.search(r"'(\w+)' object has no attribute '(\w+)'", message)
    match = match or re.search(r"module '([\w.]+)' has no attribute '(\w+)'", message)
    if type(exc).__name__ != "AttributeError" or not match:
        return []
    wanted, kind = match.group(2), match.group(1)
    statement = failing_statement(exc)
    for node in ast.walk(statement) if statement is not None else []:
        if not isinstance(node, ast.Attribute) or node.attr != wanted:
            continue
        found, owner = resolve(node.value, namespace)
        is_module = type(owner).__name__ == "module"
        if (
            not found
            or (getattr(owner, "__name__", "") if is_module else type(owner).__name__) != kind
        ):
            continue
        meant = _closest(wanted, [n for n in dir(owner) if not n.startswith("_")])
        if meant:
            owner_text = unparse(node.value)
            shown = f"{owner_text}.{meant}" if is_module else meant
            return [f"`{owner_text}` has no `{wanted}`. Did you mean `{shown}`?"]
    return []


def _closest(wanted: str, names: list[str]) -> str:
    """The name differing only in case (`ReLU` for `relu`), else the closest spelling."""
    same = [n for n in names if n.lower() == wanted.lower()]
    if same:
        return same[0]
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.75)
    return close[0] if close else ""


# ---------------------------------------------------------------------------------------------
# Iterables that are not iterators, NumPy's sizes


def not_an_iterator(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`next(trainloader)`: a loader can be gone through, but `next` needs an iterator."""
    match = re.search(r"'(\w+)' object is not an iterator", message)
    if type(exc).__name__ != "TypeError" or not match:
        return []
    statement = failing_statement(exc)
    for call in calls_in(statement) if statement is not None else []:
        if dotted(call.func) == "next" and len(call.args) == 1:
            name = unparse(call.args[0])
            return [
                f"`{name}` can be gone through in a `for` loop, but is not an iterator itself.",
                f"Make one with `iter`: `dataiter = iter({name})`, then `next(dataiter)`, or "
                f"`next(iter({name}))` for one batch.",
            ]
    return []


def numpy_sizes_as_tuple(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`np.random.rand((4, 3))`: NumPy's `rand` takes sizes as separate numbers."""
    if "'tuple' object cannot be interpreted as an integer" not in message:
        return []
    statement = failing_statement(exc)
    for call in calls_in(statement) if statement is not None else []:
        name = dotted(call.func) or ""
        single_tuple = len(call.args) == 1 and isinstance(call.args[0], ast.Tuple)
        if name.endswith(("random.rand", "random.randn")) and single_tuple:
            sizes = ", ".join(unparse(e) for e in call.args[0].elts)  # type: ignore[attr-defined]
            return [
                f"`{name}` takes the sizes as separate numbers, not as a tuple "
                "(`torch.randn` takes either).",
                f"Write `{name}({sizes})`.",
            ]
    return []


# ---------------------------------------------------------------------------------------------
# A loader unpacked whole, weights asked of a part that has none


def loader_unpacked(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`images, labels = trainloader`: unpacking goes through every batch, not one."""
    if type(exc).__name__ != "ValueError" or "values to unpack" not in message:
        return []
    statement = failing_statement(exc)
    body = getattr(statement, "body", [])
    if len(body) != 1 or not isinstance(body[0], ast.Assign):
        return []
    value = body[0].value
    found, source = resolve(value, namespace)
    if not found or not (hasattr(source, "dataset") or hasattr(source, "__next__")):
        return []
    name = unparse(value)
    one = f"next({name})" if hasattr(source, "__next__") else f"next(iter({name}))"
    return [
        f"`{name}` hands out the data one batch at a time; unpacking it goes through all of "
        "its batches at once.",
        f"Take one batch, a pair of images and labels: `images, labels = {one}`.",
    ]


def no_weights_here(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`model[1].weight` on a ReLU, `model.weight` on a Sequential: only layers have weights."""
    match = re.search(r"'(\w+)' object has no attribute '(weight|bias)'", message)
    if type(exc).__name__ != "AttributeError" or not match:
        return []
    kind, wanted = match.groups()
    statement = failing_statement(exc)
    for node in ast.walk(statement) if statement is not None else []:
        if not (isinstance(node, ast.Attribute) and node.attr == wanted):
            continue
        found, owner = resolve(node.value, namespace)
        if not found or type(owner).__name__ != kind:
            continue
        owner_text = unparse(node.value)
        layers = [
            f"`{owner_text}[{i}]`"
            for i, part in enumerate(getattr(owner, "children", lambda: [])())
            if hasattr(part, wanted)
        ]
        if layers:  # a Sequential: its layers hold the weights
            return [
                f"`{owner_text}` keeps no `{wanted}` of its own: its layers do.",
                f"The layers with one are {_listed(layers)}; `{owner_text}[0].{wanted}` is "
                "the first one's.",
            ]
        return [
            f"`{owner_text}` is a `{kind}`, which has no `{wanted}`: only layers such as "
            "`nn.Linear` have weights and biases.",
            "Count the modules from 0 in `print(model)` to find the layer you mean.",
        ]
    return []


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


EXPLAINERS = (
    leaf_in_place,
    not_a_module,
    number_function_on_tensor,
    numpy_function_on_tensor,
    method_not_called,
    shape_called,
    parameter_replaced,
    not_an_iterator,
    numpy_sizes_as_tuple,
    loader_unpacked,
    no_weights_here,
    misspelt_attribute,
)
