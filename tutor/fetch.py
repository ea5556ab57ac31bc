"""Downloading the full MNIST and Fashion-MNIST sets: the core of ``tutor data fetch``.

    from tutor.fetch import FetchError, fetch

    def show(name: str, done: int, total: int | None) -> None:
        print(f"{name}: {done:,} of {total or '?'} bytes")

    try:
        paths = fetch("mnist", on_progress=show)  # into tutor.data.data_folder("mnist")
    except FetchError as error:
        print(error)  # one line: which file, from where, what went wrong

Each of the four standard IDX files (gzipped, as published) is downloaded into a hidden temporary
file next to its final place, checked against the published checksum, and only then renamed into
place, so the data folder never holds a partial or damaged file. A file already there with the right
checksum is not downloaded again. The loaders in ``tutor.data`` read the files as they are.

Nothing here imports torch; it never prints, the caller draws the progress.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from tutor import __version__
from tutor.data import IDX_FILES, DataError, data_folder, set_info

__all__ = ["CHECKSUMS", "MIRRORS", "FetchError", "Progress", "fetch", "file_names"]

Progress = Callable[[str, int, int | None], None]
"""``on_progress(name, done_bytes, total_bytes)``; total is None when the server does not say."""

# The mirrors torchvision and the data sets' authors publish, tried in order. The checksum, not the
# host, is what makes a download trusted, so a second mirror is as good as the first.
MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
}

# "algorithm:hex digest" of each published .gz file. MD5 is what the publishers give; here it only
# tells a damaged or changed download from the real one.
CHECKSUMS: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    },
}

CHUNK = 64 * 1024
USER_AGENT = f"tutor/{__version__} (data fetch)"


class FetchError(Exception):
    """A download failed; the message is one line naming the file and the cause."""


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


def file_names() -> list[str]:
    """The four published files, training images first."""
    return [f"{stem}.gz" for split in (True, False) for stem in IDX_FILES[split]]


def fetch(
    dataset: str,
    dest: Path | str | None = None,
    base_url: str | None = None,
    on_progress: Progress | None = None,
    *,
    checksums: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> list[Path]:
    """Download ``dataset`` ("mnist" or "fashion-mnist") into ``dest``; return the four paths.

    ``dest`` defaults to the folder the loaders read (``tutor.data.data_folder(dataset)``).
    ``base_url`` replaces the public mirrors, ``checksums`` ("md5:..." or "sha256:..." per file
    name) the published checksums: both are for tests and private mirrors.
    """
    try:
        key = set_info(dataset).key
    except DataError as error:
        raise FetchError(str(error)) from None
    folder = Path(dest) if dest is not None else data_folder(key)
    mirrors: Sequence[str] = (base_url,) if base_url else MIRRORS[key]
    expected = checksums if checksums is not None else CHECKSUMS[key]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FetchError(f"Cannot create the data folder {folder}: {error.strerror}.") from None

    paths = []
    for name in file_names():
        if name not in expected:
            raise FetchError(f"No checksum is known for {name}, so it cannot be verified.")
        paths.append(_fetch_one(name, folder, mirrors, expected[name], on_progress, timeout))
    return paths


def _fetch_one(
    name: str,
    folder: Path,
    mirrors: Sequence[str],
    checksum: str,
    on_progress: Progress | None,
    timeout: float,
) -> Path:
    target = folder / name
    algorithm, _, digest = checksum.partition(":")
    if target.is_file() and _file_digest(target, algorithm) == digest:
        size = target.stat().st_size
        if on_progress:
            on_progress(name, size, size)
        return target

    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        try:
            _download(url, name, target, algorithm, digest, on_progress, timeout)
            return target
        except FetchError as error:
            failures.append(str(error))
    # The last mirror's message says why nothing worked; the count says the others failed too.
    tried = f" Tried {len(failures)} mirrors." if len(failures) > 1 else ""
    raise FetchError(failures[-1] + tried)


def _download(
    url: str,
    name: str,
    target: Path,
    algorithm: str,
    expected: str,
    on_progress: Progress | None,
    timeout: float,
) -> None:
    hasher = _hasher(algorithm)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".part")
    except OSError as error:
        raise FetchError(f"{name}: cannot write in {target.parent} ({error.strerror}).") from None
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as r:
            length = r.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if on_progress:
                on_progress(name, done, total)
            while chunk := r.read(CHUNK):
                out.write(chunk)
                hasher.update(chunk)
                done += len(chunk)
                if on_progress:
                    on_progress(name, done, total)
            out.flush()
            os.fsync(out.fileno())
        found = hasher.hexdigest()
        if found != expected:
            raise FetchError(
                f"{name} from {url} has {algorithm} {found}, not {expected}: the download is "
                "damaged or the file has changed, so it was not kept."
            )
        os.replace(temporary, target)
    except urllib.error.HTTPError as error:
        raise FetchError(f"{name}: {url} answered HTTP {error.code} {error.reason}.") from None
    except urllib.error.URLError as error:
        raise FetchError(f"{name}: cannot reach {url} ({error.reason}).") from None
    except TimeoutError:
        raise FetchError(f"{name}: {url} did not answer within {timeout:g} s.") from None
    except OSError as error:
        raise FetchError(f"{name}: download from {url} failed ({error}).") from None
    finally:
        # Whatever happened, including Ctrl-C, no partial file stays behind.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _hasher(algorithm: str) -> _Hasher:
    if algorithm == "md5":
        return hashlib.md5(usedforsecurity=False)
    if algorithm == "sha256":
        return hashlib.sha256()
    raise FetchError(f"Unknown checksum algorithm {algorithm!r}; use md5 or sha256.")


def _file_digest(path: Path, algorithm: str) -> str:
    hasher = _hasher(algorithm)
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()
