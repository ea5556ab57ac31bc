"""The `dropout` check, run in the real worker as a lesson step would run it."""

from __future__ import annotations

from test_checks_training import text, verdict

from tutor.kernel.client import Kernel

NET = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 10)
        self.dropout = nn.Dropout(p=0.2)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = {hidden}
        return {output}

model = Net()
"""
GOOD = {
    "hidden": "self.dropout(F.relu(self.fc1(x)))",
    "output": "F.log_softmax(self.fc2(x), dim=1)",
}


def net(**parts: str) -> str:
    return NET.format(**{**GOOD, **parts})


def test_dropout_used_in_training_and_off_in_eval_passes_and_modes_are_kept(
    kernel: Kernel,
) -> None:
    v = verdict(kernel, "dropout", "model", code=net() + "model.eval()\n")
    assert v.passed, text(v)
    reply = kernel.exec("print(model.training, model.dropout.training)", quiet=True)
    assert reply["ok"] and "False False" in reply["output"]  # put back in eval mode


def test_no_dropout_layer_is_named(kernel: Kernel) -> None:
    code = "model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.LogSoftmax(dim=1))"
    assert "has no `nn.Dropout` layer" in text(verdict(kernel, "dropout", "model", code=code))


def test_dropout_made_but_never_called_is_named(kernel: Kernel) -> None:
    v = verdict(kernel, "dropout", "model", code=net(hidden="F.relu(self.fc1(x))"))
    assert "its dropout is never used" in text(v) and "call it in `forward`" in text(v)


def test_functional_dropout_left_on_in_eval_mode_is_named(kernel: Kernel) -> None:
    v = verdict(kernel, "dropout", "model", code=net(hidden="F.dropout(F.relu(self.fc1(x)), 0.2)"))
    assert "still drops units after `model.eval()`" in text(v)
    assert "`F.dropout(x, p=0.2)` drops units whatever the mode" in text(v)


def test_dropout_on_the_output_is_named(kernel: Kernel) -> None:
    code = net(
        hidden="F.relu(self.fc1(x))", output="self.dropout(F.log_softmax(self.fc2(x), dim=1))"
    )
    v = verdict(kernel, "dropout", "model", code=code)
    assert "applies dropout to its output" in text(v)


def test_a_network_that_fails_on_the_batch_is_named(kernel: Kernel) -> None:
    code = "model = nn.Sequential(nn.Linear(784, 10), nn.Dropout(0.2))"
    v = verdict(kernel, "dropout", "model", code=code)
    assert not v.passed and "raised on the check's batch" in v.title
