"""The check library that lesson YAML names: tensors, functions, modules, code, output, training.

Importing this package fills ``REGISTRY`` with every check. It imports neither torch nor NumPy:
checks reach them through ``ctx.torch`` and ``ctx.numpy``, so the front process can read the
registry (names, argument schemas, descriptions) to validate lessons without paying for torch.
"""

from . import (
    accuracy,
    code,
    dropout,
    finite,
    functions,
    gradients,
    keywords,
    modules,
    names,
    optimizers,
    output,
    sequences,
    tensors,
)
from .base import REGISTRY, CheckContext, CheckFailed, CheckSpec, Verdict, check, run_check
from .errors import explain_error

__all__ = [
    "REGISTRY",
    "CheckContext",
    "CheckFailed",
    "CheckSpec",
    "Verdict",
    "accuracy",
    "check",
    "code",
    "dropout",
    "explain_error",
    "finite",
    "functions",
    "gradients",
    "keywords",
    "modules",
    "names",
    "optimizers",
    "output",
    "run_check",
    "sequences",
    "tensors",
]
