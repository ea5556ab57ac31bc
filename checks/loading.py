"""Explanations for the errors of saving and loading networks (`torch.save`, `torch.load`).

Each explainer takes ``(exc, message, namespace)`` and returns lines, the cause and then the
fix, or [] to pass; ``errors.py`` tries them in turn. What they name:

- `load_state_dict` into a network of other sizes ("size mismatch for hidden_layers.0.weight"):
  what was saved against what the new network has;
- `load_state_dict` with keys the network does not have: a whole checkpoint dict given where its
  `['state_dict']` belongs, keys with DataParallel's `module.` in front, or layers named
  differently;
- `torch.load(..., weights_only=True)` on a whole pickled network (`torch.save(model, ...)`);
- `torch.load` of a file that is not there, with the folder it looked in and the files that are.

    from .loading import EXPLAINERS    # errors.py puts them in its list
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any

_SIZE = re.compile(
    r"size mismatch for ([\w.]+): copying a param with shape torch\.Size\(\[([\d, ]*)\]\) "
    r"from checkpoint, the shape in current model is torch\.Size\(\[([\d, ]*)\]\)"
)


def size_mismatch(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`model.load_state_dict(state_dict)` where the saved network had other layer sizes."""
    found = _SIZE.findall(message)
    if not found:
        return []
    key, saved, current = found[0]
    others = len(found) - 1
    more = f" ({others} more parameter{'s' if others != 1 else ''} differ too)" if others else ""
    return [
        f"The saved weights come from a network of other sizes: `{key}` was saved with the shape "
        f"({saved}), and the network you are loading into has ({current}){more}.",
        "A state dict holds only the numbers, not the sizes of the layers, and numbers of one "
        "shape cannot fill a layer of another.",
        "Build the model with the same sizes as the one you saved, or save the sizes with the "
        "weights (a checkpoint dict with `input_size`, `output_size` and `hidden_layers`) and "
        "build the model from them.",
    ]


def _keys(label: str, message: str) -> list[str]:
    match = re.search(label + r" key\(s\) in state_dict: ((?:\"[^\"]*\"(?:, )?)+)", message)
    return re.findall(r"\"([^\"]*)\"", match.group(1)) if match else []


def _listed(keys: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"`{k}`" for k in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def wrong_keys(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`load_state_dict` given keys the network lacks, or lacking keys the network has."""
    missing, unexpected = _keys("Missing", message), _keys("Unexpected", message)
    if not missing and not unexpected:
        return []
    if "state_dict" in unexpected:
        return [
            f"The dict you loaded has the keys {_listed(unexpected)}: that is the whole "
            "checkpoint, not the network's weights.",
            "The weights are inside it, under `'state_dict'`: "
            "`model.load_state_dict(checkpoint['state_dict'])`.",
        ]
    if unexpected and all(k.startswith("module.") for k in unexpected):
        return [
            "Every saved key starts with `module.`: the network was wrapped in "
            "`nn.DataParallel` when it was saved.",
            "Remove the prefix: `{k.removeprefix('module.'): v for k, v in state_dict.items()}`.",
        ]
    lines = ["The names in the state dict are not the names of this network's parameters."]
    if missing:
        lines.append(f"This network has {_listed(missing)}, which the dict lacks.")
    if unexpected:
        lines.append(f"The dict has {_listed(unexpected)}, which this network lacks.")
    lines.append(
        "The keys come from the attribute names of the network that was saved: build the same "
        "class (print `state_dict.keys()` and `model` to compare), or rename the keys."
    )
    return lines


_GLOBAL = re.compile(r"Unsupported global: GLOBAL ([\w.]+)")


def pickled_object(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`torch.load(path, weights_only=True)` on a file made with `torch.save(model, path)`."""
    if "Weights only load failed" not in message:
        return []
    match = _GLOBAL.search(message)
    what = f"a pickled `{match.group(1).rsplit('.', 1)[-1]}`" if match else "a pickled object"
    return [
        f"The file holds {what}, not only tensors: it was saved with `torch.save(model, ...)` "
        "or holds a layer or another object besides numbers.",
        "`weights_only=True` (the default since PyTorch 2.6) reads only tensors, numbers, "
        "strings, lists and dicts, because unpickling any other object can run any code.",
        "Save `model.state_dict()` instead (and sizes as plain numbers); use "
        "`weights_only=False` only on a file you made yourself.",
    ]


_NO_FILE = re.compile(r"No such file or directory: '([^']*)'")


def missing_file(exc: BaseException, message: str, namespace: dict[str, Any]) -> list[str]:
    """`torch.load('checkpiont.pth')`: no such file in the folder the path is read from."""
    match = _NO_FILE.search(message)
    if type(exc).__name__ != "FileNotFoundError" or not match:
        return []
    path = match.group(1)
    joined = _joined_without_slash(path)
    if joined:
        rest = path[len(joined) :].split(os.sep)[0]
        return [
            f"`{joined}` is a folder, and `{path}` adds `{rest}` to its name without a `/`.",
            f"Join them with a separator: `... + '/{rest}'`, or `os.path.join(folder, '{rest}')`.",
        ]
    folder = os.path.dirname(path) or "."
    try:
        names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    except OSError:
        return [f"There is no folder `{folder}`, so there is no `{path}` either."]
    where = os.path.abspath(folder)
    if os.path.isabs(path):
        lines = [f"There is no file `{path}`."]
    else:
        lines = [
            f"There is no file `{path}`: a relative path is read from the current folder, "
            f"`{where}`."
        ]
    close = difflib.get_close_matches(os.path.basename(path), names, n=1, cutoff=0.6)
    if close:
        lines.append(f"Did you mean `{os.path.join(os.path.dirname(path), close[0])}`?")
    elif names:
        lines.append(
            f"The files there: {_listed(names, 6)}. Save the file first with `torch.save`."
        )
    else:
        lines.append("The folder is empty: save the file first with `torch.save`.")
    return lines


def _joined_without_slash(path: str) -> str:
    """The existing folder that ``path`` starts with and runs on from without a separator,
    when the separator would make a path that exists (`data_dir + 'train'` gives
    `.../fashiontrain` where `.../fashion/train` is there), or ''."""
    for end in range(len(path) - 1, 0, -1):
        head = path[:end]
        if path[end] == os.sep or head.endswith(os.sep) or not os.path.isdir(head):
            continue
        rest = path[end:].split(os.sep)[0]
        return head if os.path.exists(os.path.join(head, rest)) else ""
    return ""


def save_arguments_swapped(
    exc: BaseException, message: str, namespace: dict[str, Any]
) -> list[str]:
    """`torch.save('checkpoint.pth', model.state_dict())`: the file where the object belongs."""
    if "expected 'f' to be string, path, or a file-like object" not in message:
        return []
    return [
        "`torch.save` takes what to save first, then the file: "
        "`torch.save(model.state_dict(), 'checkpoint.pth')`."
    ]


EXPLAINERS = (size_mismatch, wrong_keys, pickled_object, missing_file, save_arguments_swapped)
