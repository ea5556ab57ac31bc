"""The `dropout` check: a network drops units while it trains, and none in evaluation mode.

The check runs the network twice on one batch in training mode (the outputs must differ: the
dropout is used in `forward`) and twice in evaluation mode (they must agree: `model.eval()` turns
it off), then puts every submodule back in the mode it was in. Named: no `nn.Dropout` at all, one
made but never called, `F.dropout` left on in evaluation mode, and dropout on the output layer.
"""

from __future__ import annotations

from typing import Any

from .base import CheckContext, CheckFailed, Verdict, check, failed, passed
from .compare import kind_of
from .scope import evaluate_input


@check("dropout", shorthand="name")
def dropout(
    ctx: CheckContext,
    name: str = "model",
    input: str = "torch.randn(64, 1, 28, 28)",
) -> Verdict:
    """`name` has dropout that works in training mode and is off in evaluation mode.

    ```yaml
    - dropout: model
    - dropout: {name: model, input: "torch.randn(64, 784)"}
    ```
    `input` is a batch for the network (moved to its device). Outputs that are log-probabilities
    in evaluation mode must stay so in training mode: dropout after the output layer is named.
    """
    torch = ctx.torch
    model = ctx.value(name)
    if not isinstance(model, torch.nn.Module):
        return failed(f"`{name}` is {kind_of(model, torch)}, not a network (an `nn.Module`)")
    if not any(isinstance(m, torch.nn.modules.dropout._DropoutNd) for m in model.modules()):
        return failed(
            f"`{name}` has no `nn.Dropout` layer",
            "Make one in `__init__`, such as `self.dropout = nn.Dropout(p=0.2)`, "
            "and apply it to the hidden layers' outputs in `forward`.",
        )
    batch = evaluate_input(ctx, input)
    training, evaluating = _outputs(ctx, name, model, batch)
    if torch.equal(training[0], training[1]):
        return failed(
            f"`{name}` gives the same output twice in training mode: its dropout is never used",
            "Making `self.dropout` is not enough: call it in `forward`, as in "
            "`x = self.dropout(F.relu(self.fc1(x)))`.",
        )
    if not torch.equal(evaluating[0], evaluating[1]):
        return failed(
            f"`{name}` still drops units after `{name}.eval()`: two passes on one batch differ",
            "`F.dropout(x, p=0.2)` drops units whatever the mode. Use the layer made in "
            "`__init__`, `self.dropout(x)`, which `model.eval()` turns off.",
        )
    if _log_probabilities(evaluating[0], torch) and not _log_probabilities(training[0], torch):
        return failed(
            f"`{name}` applies dropout to its output: in training mode its rows are no longer "
            "log-probabilities",
            "Dropout belongs on the hidden layers; leave the output layer and its "
            "`F.log_softmax` without it.",
        )
    return passed(f"`{name}` drops units while training and none in evaluation mode")


def _outputs(ctx: CheckContext, name: str, model: Any, batch: Any) -> tuple[list[Any], list[Any]]:
    """Two outputs in training mode and two in evaluation mode; every mode is put back."""
    torch = ctx.torch
    modes = [(m, m.training) for m in model.modules()]
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    batch = batch.to(device)
    try:
        with torch.no_grad():
            model.train()
            training = [model(batch), model(batch)]
            model.eval()
            evaluating = [model(batch), model(batch)]
    except Exception as error:
        raise CheckFailed(
            failed(f"`{name}` raised on the check's batch: {type(error).__name__}: {error}")
        ) from error
    finally:
        for module, mode in modes:
            module.training = mode
    return training, evaluating


def _log_probabilities(out: Any, torch: Any) -> bool:
    sums = out.double().exp().sum(dim=-1)
    return bool(torch.allclose(sums, torch.ones_like(sums), atol=1e-3))
