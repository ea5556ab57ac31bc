"""Fashion-MNIST written out as picture files in class folders, for lesson 7's ``ImageFolder``.

The course's Part 7 loads photos of cats and dogs from ``Cat_Dog_data/train/cat/*.jpg``. No
package ships a photo data set and the tutor works offline, so lesson 7 makes folders of the
same shape from the bundled Fashion-MNIST subset::

    from tutor.imagefolders import export_fashion

    root = export_fashion()     # <data folder>/work/lesson7/fashion
    # root/train/bag/bag.000.png ... root/test/sneaker/sneaker.049.png

The pictures are made larger and of varied sizes, with dark margins, as photos come in all
sizes: that is why a loader resizes and crops. The same files come out on every machine (the
first images of each class, sizes from a fixed seed), and a finished export is not redone.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tutor.data import load_arrays
from tutor.paths import data_home

if TYPE_CHECKING:
    from PIL import Image

# Folder name -> Fashion-MNIST label. Two easy classes and two shoes that look alike.
CLASSES = {"bag": 8, "dress": 3, "sandal": 5, "sneaker": 7}
COUNTS = {"train": 150, "test": 50}
VERSION = "fashion-folders 1"  # written to the marker; a change makes the export run again
MARKER = ".complete"


def default_root() -> Path:
    return data_home() / "work" / "lesson7" / "fashion"


def export_fashion(root: Path | str | None = None) -> Path:
    """Write the class folders under ``root`` (unless already there) and return ``root``."""
    from PIL import Image

    target = Path(root) if root is not None else default_root()
    marker = target / MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8") == VERSION:
        return target
    building = target.with_name(target.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    rng = np.random.default_rng(7)
    for split, count in COUNTS.items():
        images, labels, _ = load_arrays("fashion-mnist", train=split == "train", full=False)
        for name, label in CLASSES.items():
            folder = building / split / name
            folder.mkdir(parents=True)
            for number, index in enumerate(np.flatnonzero(labels == label)[:count]):
                picture = _framed(Image.fromarray(images[index]), rng)
                picture.save(folder / f"{name}.{number:03d}.png", optimize=False)
    (building / MARKER).write_text(VERSION, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return target


def _framed(picture: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The 28×28 picture enlarged to a random size and set on a wider or taller dark frame."""
    from PIL import Image

    side = int(rng.integers(32, 57))
    extra = int(rng.integers(0, side // 3 + 1))
    wide = bool(rng.integers(0, 2))
    size = (side + extra, side) if wide else (side, side + extra)
    canvas = Image.new("L", size, 0)
    offset = int(rng.integers(0, extra + 1))
    canvas.paste(
        picture.resize((side, side), Image.Resampling.BICUBIC),
        (offset, 0) if wide else (0, offset),
    )
    return canvas


def describe_folders(root: Path | str) -> str:
    """A short tree of ``root``: each split's class folders and how many pictures each holds."""
    root = Path(root)
    lines = [f"{root}/"]
    for split in sorted(p for p in root.iterdir() if p.is_dir()):
        lines.append(f"  {split.name}/")
        for folder in sorted(p for p in split.iterdir() if p.is_dir()):
            files = sorted(folder.glob("*.png"))
            first = files[0].name if files else "(empty)"
            lines.append(f"    {folder.name + '/':<10} {len(files):>4} pictures  {first}, ...")
    return "\n".join(lines)
