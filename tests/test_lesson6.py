"""Lesson 6, saving and loading: the notebook's code end to end, and the pieces it needs.

The transcript (`transcripts/lesson6_notebook.txt`) is the course's Part 6 code as a learner
copies it (`import fc_model`, `torch.load` without `weights_only` first, the size-mismatch error
the notebook provokes), run through the real program, piped, on the bundled Fashion-MNIST.
The explanations of the saving and loading errors are tested on the errors torch really raises.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import run_tutor, type_notebook
from test_checks import run

from tutor import fc_model
from tutor.checks import explain_error


def tutor(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, home=home, stdin=stdin, TUTOR_DATA="bundled", timeout=400)


@pytest.mark.slow
def test_typing_the_notebook_code_completes_lesson6(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_DATA", "bundled")  # for the accuracy measured here
    home = tmp_path / "home"
    out = type_notebook("lesson6", 11, home, timeout=400)
    assert "Epoch: 2/2" in out  # fc_model.train reports as it trains
    # `torch.load` without weights_only is named, and the size mismatch explained
    assert "Pass `weights_only=True` to `torch.load`" in out
    assert "`hidden_layers.0.weight` was saved with the shape (128, 784)" in out
    assert "Build the model with the same sizes as the one you saved" in out
    # the files are in the tutor's own folder, not the learner's
    folder = home / "work" / "lesson6"
    assert (folder / "checkpoint.pth").is_file() and (folder / "resume.pth").is_file()
    saved = torch.load(folder / "checkpoint.pth", weights_only=True)
    # the checkpoint holds the network trained in the first step, put back before saving, so the
    # closing prediction comes from a trained network, not the untrained one of the mismatch step
    assert saved["hidden_layers"] == [128, 64, 32]
    assert _accuracy_of(saved) > 0.4  # about 0.6; untrained, about 0.1

    progress = json.loads(tutor("progress", "lesson6", "--json", home=home).stdout)
    assert all(s["status"] == "done" for s in progress[0]["steps"])


def _accuracy_of(checkpoint: dict[str, Any]) -> float:
    """How much of the bundled Fashion-MNIST test set the checkpoint's network gets right."""
    from tutor.data import fashion_mnist

    model = fc_model.Network(
        checkpoint["input_size"], checkpoint["output_size"], checkpoint["hidden_layers"]
    )
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    right = total = 0
    with torch.no_grad():
        for images, labels in fashion_mnist(train=False):
            right += int((model(images.view(len(images), -1)).argmax(dim=1) == labels).sum())
            total += len(labels)
    return right / total


# ---------------------------------------------------------------------------------------------
# fc_model, the course's helper


def test_fc_model_names_its_layers_as_the_course_does() -> None:
    model = fc_model.Network(784, 10, [128, 64, 32])
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert list(shapes)[:2] == ["hidden_layers.0.weight", "hidden_layers.0.bias"]
    assert shapes["hidden_layers.2.weight"] == (32, 64) and shapes["output.weight"] == (10, 32)
    model.eval()
    out = model(torch.randn(5, 784))
    assert torch.allclose(out.exp().sum(dim=1), torch.ones(5))  # log-probabilities


def test_fc_model_train_reports_once_an_epoch_when_the_epoch_is_short(
    capsys: pytest.CaptureFixture[str],
) -> None:
    torch.manual_seed(0)
    batches = [(torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))) for _ in range(3)]
    model = fc_model.Network(784, 10, [16])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    fc_model.train(model, batches, batches, torch.nn.NLLLoss(), optimizer, epochs=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("..")[0] for line in lines] == ["Epoch: 1/2", "Epoch: 2/2"]
    assert model.training


# ---------------------------------------------------------------------------------------------
# Explanations of the errors of saving and loading


def raised(action: Any) -> BaseException:
    try:
        action()
    except Exception as error:
        return error
    raise AssertionError("nothing was raised")


def test_a_size_mismatch_says_what_was_saved_and_what_the_network_has() -> None:
    saved = fc_model.Network(784, 10, [512, 256, 128]).state_dict()
    error = raised(lambda: fc_model.Network(784, 10, [400, 200, 100]).load_state_dict(saved))
    lines = explain_error(error, {})
    assert lines[0] == (
        "The saved weights come from a network of other sizes: `hidden_layers.0.weight` was "
        "saved with the shape (512, 784), and the network you are loading into has (400, 784) "
        "(6 more parameters differ too)."
    )
    assert lines[-1].startswith("Build the model with the same sizes as the one you saved")
    assert "save the sizes with the weights" in lines[-1]


def test_a_whole_checkpoint_given_to_load_state_dict_says_state_dict() -> None:
    model = fc_model.Network(784, 10, [16])
    checkpoint = {"input_size": 784, "hidden_layers": [16], "state_dict": model.state_dict()}
    lines = explain_error(raised(lambda: model.load_state_dict(checkpoint)), {})
    assert "that is the whole checkpoint" in lines[0]
    assert "`model.load_state_dict(checkpoint['state_dict'])`" in lines[1]


def test_keys_of_another_network_are_listed_both_ways() -> None:
    sequential = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.Linear(16, 10))
    model = fc_model.Network(784, 10, [16])
    lines = explain_error(raised(lambda: model.load_state_dict(sequential.state_dict())), {})
    assert lines[0] == "The names in the state dict are not the names of this network's parameters."
    assert "`hidden_layers.0.weight`" in lines[1] and "`0.weight`" in lines[2]


def test_keys_from_data_parallel_say_remove_the_prefix() -> None:
    model = fc_model.Network(784, 10, [16])
    wrapped = {f"module.{k}": v for k, v in model.state_dict().items()}
    lines = explain_error(raised(lambda: model.load_state_dict(wrapped)), {})
    assert "`nn.DataParallel`" in lines[0] and "removeprefix('module.')" in lines[1]


def test_a_pickled_network_refused_by_weights_only_says_save_the_state_dict(
    tmp_path: Path,
) -> None:
    path = tmp_path / "whole.pth"
    torch.save(fc_model.Network(784, 10, [16]), path)
    lines = explain_error(raised(lambda: torch.load(path, weights_only=True)), {})
    assert lines[0].startswith("The file holds a pickled `Network`, not only tensors")
    assert "can run any code" in lines[1]
    assert "Save `model.state_dict()` instead" in lines[2]


def test_a_missing_file_names_the_folder_and_the_file_meant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    torch.save({"w": torch.zeros(1)}, "checkpoint.pth")
    lines = explain_error(raised(lambda: torch.load("checkpiont.pth", weights_only=True)), {})
    assert lines == [
        f"There is no file `checkpiont.pth`: a relative path is read from the current folder, "
        f"`{tmp_path}`.",
        "Did you mean `checkpoint.pth`?",
    ]
    lines = explain_error(raised(lambda: torch.load("other/model.pth", weights_only=True)), {})
    assert lines == ["There is no folder `other`, so there is no `other/model.pth` either."]


def test_an_unrelated_missing_file_in_an_empty_folder_says_save_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = explain_error(raised(lambda: Path("model.pth").read_bytes()), {})
    assert lines[1] == "The folder is empty: save the file first with `torch.save`."


# ---------------------------------------------------------------------------------------------
# The `keyword` check


def keyword(code: str) -> Any:
    """The `keyword` check on ``code``, whose calls sit in a function that is never run."""
    body = "".join(f"    {line}\n" for line in code.splitlines())
    args = {"call": "torch.load", "name": "weights_only", "value": True}
    return run("keyword", args, code=f"def later():\n{body}")


def test_keyword_asks_for_the_argument_and_names_the_call() -> None:
    verdict = keyword("s = torch.load('checkpoint.pth')")
    assert not verdict.passed
    assert verdict.title == "Pass `weights_only=True` to `torch.load`"
    assert verdict.details == ("line 2: `torch.load('checkpoint.pth')`",)
    assert not keyword("s = torch.load('checkpoint.pth', weights_only=False)").passed
    assert not keyword("x = 1").passed  # no call of torch.load at all


def test_keyword_judges_the_latest_call_under_any_import_name() -> None:
    retyped = "s = torch.load('c.pth')\nimport torch as t\ns = t.load('c.pth', weights_only=True)"
    assert keyword(retyped).passed
    assert not keyword("s = torch.load('c.pth', weights_only=True)\ns = torch.load('c.pth')").passed
