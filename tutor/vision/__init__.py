"""torchvision's ``ImageFolder`` and image transforms, for when torchvision does not import.

torchvision is built for one exact torch release, and none fits the CPU torch the tutor runs
on, so lessons 7 and 8 cannot count on it. This package gives the few parts of it the course
uses, with torchvision's names, signatures and behaviour (PIL images in, tensors out, classes
sorted, random choices drawn from torch's generator so ``torch.manual_seed`` repeats them)::

    from tutor import vision

    vision.install()  # real torchvision when it imports, else this package under its names
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.Resize(36), transforms.CenterCrop(32),
                                    transforms.ToTensor()])
    dataset = datasets.ImageFolder("fashion/train", transform=transform)
    dataset.classes, dataset.class_to_idx, dataset.samples[0]

Only the worker imports this package (it needs torch and Pillow).
"""

from __future__ import annotations

import sys

from tutor.vision import datasets, transforms

__all__ = ["datasets", "install", "transforms"]

__version__ = "0.0-tutor"

# The message a lesson shows when the stand-in is used, so the learner knows what they run.
STAND_IN = (
    "torchvision is not installed here (its builds are tied to one torch release), so "
    "`torchvision` is the tutor's small copy: `datasets.ImageFolder` and the transforms "
    "`Compose`, `Resize`, `CenterCrop`, `RandomResizedCrop`, `RandomRotation`, "
    "`RandomHorizontalFlip`, `Grayscale`, `ToTensor` and `Normalize`, which behave as "
    "torchvision's."
)


def install() -> str:
    """Make ``import torchvision`` work; say which one it is.

    The real torchvision wins when it imports with this torch. Otherwise this package is put in
    ``sys.modules`` as ``torchvision``, ``torchvision.datasets`` and ``torchvision.transforms``.
    """
    try:
        import torchvision
        import torchvision.datasets
        import torchvision.transforms

        if torchvision is not sys.modules[__name__]:
            return f"torchvision {getattr(torchvision, '__version__', '')}".strip()
    except Exception:
        # A torchvision built for another torch raises RuntimeError or worse, and can leave
        # half-imported modules behind: drop them all before putting ours in their place.
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
    sys.modules["torchvision"] = sys.modules[__name__]
    sys.modules["torchvision.datasets"] = datasets
    sys.modules["torchvision.transforms"] = transforms
    return STAND_IN
