"""Checks on networks: an `nn.Module`'s layers, its forward pass, and how its weights start."""

from __future__ import annotations

import ast
import contextlib
import copy
from dataclasses import dataclass
from typing import Any

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import (
    as_float64,
    compare_values,
    diagnose_shape,
    fmt_number,
    fmt_shape,
    kind_of,
    not_a_tensor,
    sums_to_one,
)
from .errors import explain_error, where_in_learner_code
from .names import require_callable
from .scope import evaluate, evaluate_input, fresh, seeded

_SOFTMAX_KINDS = ("Softmax", "LogSoftmax", "Softmin")
# Layer types that hold weights even when a lesson's `layers` entry gives no sizes.
_WEIGHTED_KINDS = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "Embedding")
_LAYER_KEYS = {"name", "type", "in_features", "out_features", "dim"}
# The most learner classes tried when looking for a forgotten `super().__init__()`.
_MAX_CLASSES_TRIED = 5
_PROBE_BATCH = 4


@dataclass(frozen=True)
class Layer:
    """One named child of a module, as the checks compare it."""

    name: str
    kind: str
    in_features: int | None = None
    out_features: int | None = None
    dim: int | None = None
    has_weights: bool = False

    def text(self) -> str:
        """Linear(784 → 128), ReLU, Softmax(dim=1)."""
        if self.in_features is not None and self.out_features is not None:
            return f"{self.kind}({self.in_features} → {self.out_features})"
        if self.kind in _SOFTMAX_KINDS and self.dim is not None:
            return f"{self.kind}(dim={self.dim})"
        return self.kind


def layers_of(module: Any) -> list[Layer]:
    """The module's direct children, in order, with their sizes."""
    return [_layer(name, child) for name, child in module.named_children()]


def _layer(name: str, child: Any) -> Layer:
    kind = type(child).__name__
    fan_in = getattr(child, "in_features", getattr(child, "in_channels", None))
    fan_out = getattr(child, "out_features", getattr(child, "out_channels", None))
    dim = getattr(child, "dim", None) if kind in _SOFTMAX_KINDS else None
    weighted = any(True for _ in child.parameters())
    return Layer(name, kind, fan_in, fan_out, dim, weighted)


def _spec_layer(index: int, entry: dict[str, Any]) -> Layer:
    """A layer as a lesson writes it: {name: fc1, type: Linear, in_features: 784, ...}."""
    unknown = set(entry) - _LAYER_KEYS
    if unknown or "type" not in entry:
        raise CheckFailed(
            failed(
                f"The check's `layers` entry {index} needs `type` and may have only "
                f"{', '.join(sorted(_LAYER_KEYS))}",
            )
        )
    kind = str(entry["type"]).removeprefix("nn.")
    fan_in, fan_out = entry.get("in_features"), entry.get("out_features")
    weighted = kind in _WEIGHTED_KINDS or fan_in is not None or fan_out is not None
    return Layer(str(entry.get("name", "")), kind, fan_in, fan_out, entry.get("dim"), weighted)


# ---------------------------------------------------------------------------------------------
# module


@check("module")
def module(
    ctx: CheckContext,
    name: str,
    like_solution: bool = True,
    layers: list[dict[str, str | int]] | None = None,
    build: bool = False,
) -> Verdict:
    """`name` is an `nn.Module` built like the solution's: its layers, their sizes and names.

    ```yaml
    - module: {name: model}                   # layers as in the step's solution
    - module:
        name: model
        like_solution: false
        layers:
          - {name: fc1, type: Linear, in_features: 784, out_features: 128}
          - {name: fc2, type: Linear, in_features: 128, out_features: 64}
          - {name: fc3, type: Linear, in_features: 64, out_features: 10}
    ```
    The expected layers are `layers` (every layer with weights, in order) when given, else
    the solution's. Layers with weights (such as `nn.Linear`) are compared in order, by name
    when the step names them (`fc1`), with their input and output sizes. Activations are
    compared layer by layer when the learner's module is an `nn.Sequential` and the expected
    one lists them; a softmax's `dim` always. With `like_solution` (the default), the
    learner's weights are then copied into the solution's network and both run on one random
    batch, which catches a wrong or missing activation in `forward`. `like_solution: false`
    needs no solution. A forgotten `super().__init__()` is named as such.

    With `build: true`, `name` may be a class (as when a step only defines `class Network`):
    the check builds `Network()`, and the solution's `Network()`, and compares those.
    """
    nn = ctx.torch.nn
    if name not in ctx.namespace:
        _stop_if_super_init_forgotten(ctx, name, None)
    value = ctx.value(name)
    label = name
    if isinstance(value, type) and issubclass(value, nn.Module):
        _stop_if_super_init_forgotten(ctx, name, value)
        if not build:
            return _class_not_instance(name, value)
        label, value = f"{name}()", _build(ctx, name, value)
    if not isinstance(value, nn.Module):
        _stop_if_super_init_forgotten(ctx, name, value)
        return failed(
            f"`{name}` is {kind_of(value, ctx.torch)}, not an `nn.Module`",
            "Make it from a class that inherits from `nn.Module`, or with `nn.Sequential(...)`.",
        )
    got = layers_of(value)
    solution = _solution_module(ctx, name, build) if like_solution else None
    if layers is not None:
        expected = [_spec_layer(i, entry) for i, entry in enumerate(layers)]
        sequential = isinstance(value, nn.Sequential) and any(not e.has_weights for e in expected)
    elif solution is not None:
        expected = layers_of(solution)
        sequential = isinstance(value, nn.Sequential) and isinstance(solution, nn.Sequential)
    else:
        expected = None
    if expected is not None:
        verdict = _compare_structure(label, got, expected, sequential)
        if verdict is not None:
            _stop_if_super_init_forgotten(ctx, name, value)
            return verdict
    if solution is not None:
        verdict = _compare_behaviour(ctx, label, value, solution, got, layers_of(solution))
        if verdict is not None:
            return verdict
    return passed(_module_title(label, value, got, nn))


def _class_not_instance(name: str, cls: type) -> Verdict:
    if cls.__name__ == name:
        return failed(f"`{name}` is the class; create an instance with `{name}()`")
    return failed(
        f"`{name}` is the class `{cls.__name__}`; create an instance with "
        f"`{name} = {cls.__name__}()`"
    )


def _build(ctx: CheckContext, name: str, cls: type) -> Any:
    """An instance of the learner's module class, made with no arguments (seeded)."""
    try:
        with seeded(ctx.torch):
            return cls()
    except Exception as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        fix = (
            f"`{name}()` should build the network without arguments: "
            "`def __init__(self):` takes only `self`."
            if isinstance(error, TypeError)
            else ""
        )
        raise CheckFailed(
            failed(
                f"`{name}()` raised {type(error).__name__}: {message}",
                where_in_learner_code(error),
                *(explain_error(error, ctx.namespace) or [fix]),
            )
        ) from error


def _solution_module(ctx: CheckContext, name: str, build: bool = False) -> Any:
    solution = ctx.solution_value(name)
    module_type = ctx.torch.nn.Module
    if build and isinstance(solution, type) and issubclass(solution, module_type):
        with seeded(ctx.torch):
            solution = solution()
    if not isinstance(solution, ctx.torch.nn.Module):
        raise CheckFailed(failed(f"The step's solution does not make `{name}` an `nn.Module`"))
    return solution


def _module_title(name: str, value: Any, got: list[Layer], nn: Any) -> str:
    if isinstance(value, nn.Sequential):
        if _named(got):  # built from an OrderedDict: show the names too
            parts = ", ".join(f"`{layer.name}` {layer.text()}" for layer in got)
            return f"`{name}`: `nn.Sequential` of {parts}"
        return f"`{name}`: `nn.Sequential` of {', '.join(layer.text() for layer in got)}"
    weighted = [layer for layer in got if layer.has_weights]
    if not weighted:
        return f"`{name}`: an `nn.Module` (`{type(value).__name__}`)"
    parts = ", ".join(
        f"`{layer.name}` {layer.text().removeprefix(layer.kind)}" for layer in weighted
    )
    return f"`{name}`: `{type(value).__name__}` with {parts}"


# ---------------------------------------------------------------------------------------------
# Structure


def _compare_structure(
    label: str, got: list[Layer], expected: list[Layer], sequential: bool
) -> Verdict | None:
    """Weighted layers first (kind, sizes, names), then the sequence, then softmax `dim`."""
    pairs, problem = _pair_weighted(label, got, expected, sequential)
    if problem is not None:
        return problem
    problems = [line for g, e in pairs for line in _layer_problems(label, g, e)]
    if not problems and sequential:
        problems = _sequence_problems(label, got, expected)
    problems += _softmax_problems(label, got, expected)
    if problems:
        return failed(problems[0], *problems[1:])
    return None


def _pair_weighted(
    label: str, got: list[Layer], expected: list[Layer], sequential: bool = False
) -> tuple[list[tuple[Layer, Layer]], Verdict | None]:
    """Match the layers that have weights: by name when the step names them, else in order."""
    got_w = [layer for layer in got if layer.has_weights]
    exp_w = [layer for layer in expected if layer.has_weights]
    if _named(exp_w):
        by_name = {layer.name: layer for layer in got}
        missing = [e.name for e in exp_w if e.name not in by_name]
        if missing:
            kind = _kind_of(exp_w, missing[0])
            if got and all(layer.name.isdigit() for layer in got):
                # an nn.Sequential of unnamed modules: names come from an OrderedDict
                fix = (
                    "Give `nn.Sequential` an `OrderedDict` of (name, module) pairs, e.g. "
                    f"`('{missing[0]}', nn.{kind}(...))`."
                )
            elif sequential:  # an OrderedDict with other names
                fix = (
                    "Name it in the `OrderedDict` you give `nn.Sequential`: "
                    f"`('{missing[0]}', nn.{kind}(...))`."
                )
            else:
                fix = (
                    "Assign each layer to the name the step gives, e.g. "
                    f"`self.{missing[0]} = nn.{kind}(...)`."
                )
            return [], failed(
                f"`{label}` has no layer named `{missing[0]}`",
                f"Its layers are {_names(got) or 'none'}; the step names them {_names(exp_w)}.",
                fix,
            )
        extra = [g for g in got_w if g.name not in {e.name for e in exp_w}]
        if extra:
            return [], failed(
                f"`{label}` has a layer `{extra[0].name}` that the step does not ask for",
                f"The step's layers are {_names(exp_w)}.",
            )
        return [(by_name[e.name], e) for e in exp_w], None
    if len(got_w) != len(exp_w):
        return [], failed(
            f"`{label}` has {len(got_w)} layers with weights; the step asks for {len(exp_w)}",
            f"yours:      {_chain(got_w)}",
            f"the step's: {_chain(exp_w)}",
        )
    return list(zip(got_w, exp_w, strict=True)), None


def _named(layers: list[Layer]) -> bool:
    return any(layer.name and not layer.name.isdigit() for layer in layers)


def _names(layers: list[Layer]) -> str:
    return ", ".join(f"`{layer.name}`" for layer in layers)


def _chain(layers: list[Layer]) -> str:
    return ", ".join(layer.text() for layer in layers) or "none"


def _kind_of(layers: list[Layer], name: str) -> str:
    return next(layer.kind for layer in layers if layer.name == name)


def _shown(label: str, layer: Layer) -> str:
    """`fc1` for a named layer, `model[0]` for a position in an `nn.Sequential`."""
    return f"`{label}[{layer.name}]`" if layer.name.isdigit() else f"`{layer.name}`"


def _layer_problems(label: str, got: Layer, expected: Layer) -> list[str]:
    shown = _shown(label, got)
    if got.kind != expected.kind:
        return [f"{shown} is `nn.{got.kind}`; the step asks for `nn.{expected.kind}`"]
    problems = []
    if expected.out_features is not None and got.out_features != expected.out_features:
        problems.append(
            f"{shown} has {got.out_features} outputs; the step asks for {expected.out_features}"
        )
    if expected.in_features is not None and got.in_features != expected.in_features:
        problems.append(
            f"{shown} takes {got.in_features} inputs; the step asks for {expected.in_features}"
        )
    return problems


def _sequence_problems(label: str, got: list[Layer], expected: list[Layer]) -> list[str]:
    unflattened = [layer for layer in got if layer.kind != "Flatten"]
    if len(unflattened) < len(got) and [g.kind for g in unflattened] == [e.kind for e in expected]:
        return [
            f"`{label}` has an `nn.Flatten()` layer the step does not ask for",
            "Here the images are flattened before they reach the network "
            "(`images.view(images.shape[0], -1)`), so it starts with its first `nn.Linear`, "
            f"and `{label}[0]` is that layer. Leave `nn.Flatten()` out.",
        ]
    if len(got) != len(expected):
        return [
            f"`{label}` has {len(got)} layers; the step asks for {len(expected)}",
            f"yours:      {_chain(got)}",
            f"the step's: {_chain(expected)}",
        ]
    for g, e in zip(got, expected, strict=True):
        if g.kind != e.kind:
            return [f"{_shown(label, g)} is `nn.{g.kind}`; the step asks for `nn.{e.kind}`"]
    return []


def _softmax_problems(label: str, got: list[Layer], expected: list[Layer]) -> list[str]:
    wanted = next((e for e in expected if e.kind in _SOFTMAX_KINDS and e.dim is not None), None)
    if wanted is None:
        return []
    for layer in got:
        if layer.kind != wanted.kind or layer.dim == wanted.dim:
            continue
        shown = _shown(label, layer)
        if layer.dim is None:
            return [f"{shown} has no `dim`: write `nn.{layer.kind}(dim={wanted.dim})`"]
        problems = [f"{shown} uses dim={layer.dim}; the step asks for dim={wanted.dim}"]
        if {layer.dim, wanted.dim} == {0, 1}:
            problems.append(
                "With dim=0 each column sums to 1, across the batch; with dim=1 each row, one "
                "image's probabilities, sums to 1."
            )
        return problems
    return []


# ---------------------------------------------------------------------------------------------
# Behaviour: the learner's weights in the solution's network


def _compare_behaviour(
    ctx: CheckContext,
    label: str,
    value: Any,
    solution: Any,
    got: list[Layer],
    expected: list[Layer],
) -> Verdict | None:
    """Run both networks with the same weights on one random batch; None when they agree."""
    torch = ctx.torch
    pairs, problem = _pair_weighted(label, got, expected)
    first = pairs[0][1] if pairs else None
    if problem is not None or first is None or first.kind != "Linear" or not first.in_features:
        return None
    try:
        mine, theirs = copy.deepcopy(value), copy.deepcopy(solution)
        mine_layers = dict(mine.named_children())
        their_layers = dict(theirs.named_children())
        for g, e in pairs:
            their_layers[e.name].load_state_dict(mine_layers[g.name].state_dict())
        device = next(mine.parameters()).device
        theirs.to(device)
    except Exception:  # odd modules that will not copy or load: the structure check stands
        return None
    mine.eval()
    theirs.eval()
    with seeded(torch):
        batch = torch.randn(_PROBE_BATCH, first.in_features).to(device)
    with torch.no_grad():
        try:
            expected_out = theirs(batch.clone())
        except Exception:  # the solution wants other input (images, say): nothing to compare
            return None
        try:
            got_out = mine(batch.clone())
        except Exception as error:
            return _raised(label, error, f"a batch of shape {fmt_shape(batch.shape)}", ctx)
    if not isinstance(got_out, torch.Tensor):
        return _forward_gave(label, got_out, torch)
    difference = compare_values(f"{label}(x)", got_out, expected_out, 1e-4, 1e-3, torch)
    if difference is None:
        return None
    details = list(difference.details)
    skipped = _skipped_part(label, value, theirs, batch, got_out, torch)
    if skipped:
        details.append(skipped)
    elif not any("softmax" in line for line in details):
        details.append(_activation_hint(got_out, expected_out, torch))
    return failed(
        f"`{label}` computes something different from the step's network",
        f"With the same weights and a random batch `x` of shape {fmt_shape(batch.shape)}:",
        *details,
    )


def _forward_gave(label: str, out: Any, torch: Any) -> Verdict:
    """`forward` that returns something other than a tensor, most often nothing at all."""
    if out is None:
        return failed(
            f"`{label}` returns None",
            "`forward` ends without `return`: end it with `return x`.",
        )
    return failed(f"`{label}` returns {kind_of(out, torch)}, not a tensor")


def _skipped_part(label: str, value: Any, theirs: Any, batch: Any, got: Any, torch: Any) -> str:
    """The part without weights (an activation) that the learner's `forward` leaves out: the
    step's network without it gives the learner's output."""
    for name, child in list(theirs.named_children()):
        if any(True for _ in child.parameters()):
            continue
        setattr(theirs, name, torch.nn.Identity())
        try:
            with torch.no_grad():
                without = theirs(batch.clone())
        except Exception:  # the network needs that part to run at all: not this mistake
            without = None
        finally:
            setattr(theirs, name, child)
        same = without is not None and without.shape == got.shape
        if same and bool(torch.allclose(without, got, atol=1e-4, rtol=1e-3)):
            kind = type(child).__name__
            if name in dict(value.named_children()):
                return (
                    f"`{label}` gives what the step's network gives without its `{name}` "
                    f"(`nn.{kind}`): `forward` never uses `self.{name}`."
                )
            return f"`{label}` gives what the step's network gives without its `nn.{kind}`."
    return ""


def _activation_hint(got: Any, expected: Any, torch: Any) -> str:
    comparable = got.shape == expected.shape and got.dim() == 2
    if comparable and sums_to_one(expected, 1, torch) and not sums_to_one(got, 1, torch):
        return (
            "The step's network ends with a softmax, so each row sums to 1; yours does not. "
            "End `forward` with `F.softmax(x, dim=1)`."
        )
    return "Check the activation functions in `forward`, and their order."


def _raised(label: str, error: Exception, given: str, ctx: CheckContext) -> Verdict:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return failed(
        f"`{label}` raised {type(error).__name__} when given {given}: {message}",
        where_in_learner_code(error),
        *explain_error(error, ctx.namespace),
    )


# ---------------------------------------------------------------------------------------------
# A forgotten super().__init__()


def _stop_if_super_init_forgotten(ctx: CheckContext, name: str, value: Any) -> None:
    """If one of the learner's module classes cannot be built for lack of `super().__init__()`,
    stop the check and say so: that failure is why `name` is missing, stale or a class."""
    for cls in _candidate_classes(ctx, name, value):
        try:
            with seeded(ctx.torch):
                cls()
        except AttributeError as error:
            if "before Module.__init__() call" in str(error):
                raise CheckFailed(
                    failed(
                        f"`{cls.__name__}.__init__` does not call `super().__init__()`",
                        *explain_error(error, ctx.namespace),
                    )
                ) from error
        except Exception:  # needs arguments, or fails for another reason: not this mistake
            continue


def _candidate_classes(ctx: CheckContext, name: str, value: Any) -> list[type]:
    """The learner's own `nn.Module` subclasses, the likeliest first."""
    module_type = ctx.torch.nn.Module
    wanted_names = []
    if isinstance(value, type):
        wanted_names.append(value.__name__)
    elif value is not None:
        wanted_names.append(type(value).__name__)
    # no solution, or one that fails: only a preference is lost
    with contextlib.suppress(Exception):
        wanted_names.append(type(ctx.solution_value(name)).__name__)
    classes = [
        v
        for v in ctx.namespace.values()
        if isinstance(v, type)
        and issubclass(v, module_type)
        and not v.__module__.startswith("torch")
    ]
    classes.sort(key=lambda cls: cls.__name__ not in wanted_names)
    return classes[:_MAX_CLASSES_TRIED]


# ---------------------------------------------------------------------------------------------
# forward


@check("forward")
def forward(
    ctx: CheckContext,
    name: str,
    input: str,
    shape: list[int] | None = None,
    sums_to_one: bool = False,
    dim: int = 1,
) -> Verdict:
    """Running `name` (a module or function) on `input` gives the shape and row sums asked for.

    ```yaml
    - forward: {name: model, input: "images.view(64, 784)", shape: [64, 10], sums_to_one: true}
    - forward: {name: softmax, input: "torch.randn(64, 10)", sums_to_one: true, dim: 1}
    ```
    `input` is an expression evaluated with a fixed random seed. With `sums_to_one`, the output
    must sum to 1 along `dim` (each row, by default); a softmax taken over `dim=0` (columns
    summing to 1) is named as such.
    """
    torch = ctx.torch
    value = ctx.value(name)
    if isinstance(value, type) and issubclass(value, torch.nn.Module):
        _stop_if_super_init_forgotten(ctx, name, value)
        return _class_not_instance(name, value)
    require_callable(name, value, torch)
    batch = evaluate_input(ctx, input)
    label = f"{name}({input})" if len(input) <= 40 else f"{name}(…)"
    with torch.no_grad():
        try:
            out = value(fresh(batch))
        except Exception as error:
            return _raised(name, error, f"`{input}`", ctx)
    wrong = not_a_tensor(label, out, torch)
    if wrong is not None:
        return wrong
    if shape is not None and tuple(out.shape) != tuple(shape):
        return diagnose_shape(label, tuple(out.shape), tuple(shape))
    confirmed = [f"shape {fmt_shape(out.shape)}"]
    if sums_to_one:
        module = isinstance(value, torch.nn.Module)
        verdict = _sums_verdict(label, out, dim, torch, module)
        if verdict is not None:
            return verdict
        confirmed.append("each row sums to 1" if dim in (1, -1) else f"sums to 1 over dim={dim}")
    return passed(f"`{label}`: {', '.join(confirmed)}")


def _sums_verdict(
    label: str, out: Any, dim: int, torch: Any, module: bool = True
) -> Verdict | None:
    """Whether ``out`` sums to 1 along ``dim``; if not, why. ``module``: a network is checked
    (the fix is a softmax layer), not a softmax function the learner writes (the fix is in its
    sum)."""
    values = as_float64(out, torch)
    if values.dim() == 0 or not -values.dim() <= dim < values.dim():
        raise CheckFailed(failed(f"`{label}` has no dimension {dim} to sum over"))
    if sums_to_one(values, dim, torch):
        if bool((values < 0).any()):
            # x / x.sum(dim=1): rows that add up to 1, from scores that are not all positive
            return failed(
                f"`{label}` sums to 1 along dim={dim} but has negative values, so they are not "
                "probabilities",
                f"smallest value {fmt_number(values.min().item())}",
                "A softmax takes the exponential of each score (`torch.exp`) before dividing by "
                "the total, so that every value is positive.",
            )
        return None
    if values.dim() == 2 and dim in (1, -1) and sums_to_one(values, 0, torch):
        if not module:
            return failed(
                f"`{label}` sums to 1 down its columns, not along its rows",
                "The totals are taken over `dim=0`, the batch, so each column sums to 1.",
                "Sum over `dim=1` instead, so that each row is divided by its own total.",
            )
        return failed(
            f"`{label}` sums to 1 down its columns, not along its rows",
            "The softmax is taken over `dim=0`, the batch, so each column sums to 1.",
            "Use `dim=1`, so that each row's probabilities sum to 1: `nn.Softmax(dim=1)` "
            "or `F.softmax(x, dim=1)`.",
        )
    fix = (
        f"End with a softmax over `dim={dim}`: `nn.Softmax(dim={dim})` or "
        f"`F.softmax(x, dim={dim})`."
        if module
        else f"Divide each row by its own total: `torch.sum(..., dim={dim}, keepdim=True)`."
    )
    if not module and sums_to_one(values.reshape(1, -1), 1, torch):
        return failed(
            f"`{label}` does not sum to 1 along dim={dim}: the whole batch does",
            "The total is taken over every value at once, without a `dim`.",
            fix,
        )
    if bool((values < 0).any()):
        return failed(
            f"`{label}` has negative values, so they are not probabilities",
            f"smallest value {fmt_number(values.min().item())}",
            fix,
        )
    sums = values.sum(dim=dim)
    return failed(
        f"`{label}` does not sum to 1 along dim={dim}",
        f"the sums run from {fmt_number(sums.min().item())} to {fmt_number(sums.max().item())}",
        fix,
    )


# ---------------------------------------------------------------------------------------------
# init


@check("init")
def init(
    ctx: CheckContext,
    name: str,
    bias_zero: bool = False,
    weight_std: float | None = None,
    tolerance: float = 0.3,
) -> Verdict:
    """A layer's biases are all zero, or its weights have about the standard deviation given.

    ```yaml
    - init: {name: model.fc1, bias_zero: true, weight_std: 0.01}
    - init: {name: "model[0]", weight_std: 0.01, tolerance: 0.2}
    ```
    `name` is an expression for a layer (or for one tensor: then `bias_zero` checks that the
    tensor is all zeros, and `weight_std` its standard deviation). `tolerance` is relative: 0.3
    accepts 0.007 to 0.013 for 0.01.
    """
    torch = ctx.torch
    layer = _evaluate_layer(ctx, name)
    is_tensor = isinstance(layer, torch.Tensor)
    weight = layer if is_tensor else getattr(layer, "weight", None)
    bias = layer if is_tensor else getattr(layer, "bias", None)
    weight_label = name if is_tensor else f"{name}.weight"
    bias_label = name if is_tensor else f"{name}.bias"
    confirmed = []
    if bias_zero:
        if not isinstance(bias, torch.Tensor):
            return failed(f"`{name}` has no bias")
        values = bias.detach()
        nonzero = int((values != 0).sum())
        if nonzero:
            return failed(
                f"`{bias_label}` is not all zeros",
                f"{nonzero} of {values.numel()} values are not zero "
                f"(largest {fmt_number(values.abs().max().item())}).",
                f"Set them with `{bias_label}.data.fill_(0)`.",
            )
        confirmed.append("bias all zeros")
    if weight_std is not None:
        if not isinstance(weight, torch.Tensor):
            return failed(f"`{name}` has no weights")
        std = weight.detach().double().std().item()
        if not abs(std - weight_std) <= tolerance * weight_std:
            return failed(
                f"`{weight_label}` has standard deviation {fmt_number(std)}; the step asks for "
                f"about {fmt_number(weight_std)}",
                _mean_for_std(ctx.code, weight_std),
                f"Draw new weights with `{weight_label}.data.normal_(std={weight_std:g})`.",
            )
        confirmed.append(f"weight std {fmt_number(std)}")
    if not confirmed:
        raise CheckFailed(failed("The `init` check needs `bias_zero` or `weight_std`"))
    return passed(f"`{name}`: {', '.join(confirmed)}")


def _mean_for_std(code: str, std: float) -> str:
    """`normal_(0.01)`: the first argument of `normal_` is the mean, not the spread."""
    for call in _calls(code):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "normal_" and len(call.args) == 1:
            first = call.args[0]
            if isinstance(first, ast.Constant) and first.value == std and not call.keywords:
                return (
                    f"`normal_({first.value:g})` sets the mean to {first.value:g}: its first "
                    "argument is the mean, and the spread is `std`."
                )
    return ""


def _calls(code: str) -> list[ast.Call]:
    try:
        return [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)]
    except SyntaxError:
        return []


def _evaluate_layer(ctx: CheckContext, name: str) -> Any:
    try:
        return evaluate(ctx, name)
    except NameError as error:
        missing = getattr(error, "name", None) or name
        raise CheckFailed(failed(f"`{missing}` is not defined yet")) from error
    except (AttributeError, IndexError, KeyError) as error:
        raise CheckFailed(failed(f"`{name}` does not exist", str(error))) from error
    except Exception as error:
        raise CheckFailed(
            failed(f"`{name}` could not be evaluated", f"{type(error).__name__}: {error}")
        ) from error
