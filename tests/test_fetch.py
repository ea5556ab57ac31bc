"""`tutor data fetch`'s core against a real HTTP server on 127.0.0.1 serving IDX files."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tutor import data
from tutor.fetch import CHECKSUMS, FetchError, fetch, file_names

TRAIN, TEST = 24, 12


class Server:
    """The test HTTP server: the folder it serves, its base URL, and the paths asked for."""

    def __init__(self, folder: Path, base_url: str, requests: list[str]) -> None:
        self.folder = folder
        self.base_url = base_url
        self.requests = requests


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "served"
    (root / "mnist").mkdir(parents=True)
    write_mnist_like(root / "mnist")
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        yield Server(root / "mnist", f"http://127.0.0.1:{port}/mnist/", requests)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUTOR_DATA", raising=False)
    monkeypatch.setattr(data, "_from_torchvision", lambda info, train: None)
    return tmp_path / "home"


def idx_bytes(array: np.ndarray) -> bytes:
    dims = b"".join(n.to_bytes(4, "big") for n in array.shape)
    return bytes([0, 0, 0x08, array.ndim]) + dims + array.astype(np.uint8).tobytes()


def write_mnist_like(folder: Path) -> None:
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (TRAIN, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.arange(TRAIN) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (TEST, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.arange(TEST) % 10,
    }
    for name, array in arrays.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array), mtime=0))


def sha256_of(folder: Path) -> dict[str, str]:
    return {
        path.name: "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.glob("*.gz")
    }


def test_fetch_downloads_verifies_and_the_loaders_then_use_the_full_set(
    server: Server, home: Path
) -> None:
    progress: list[tuple[str, int, int | None]] = []
    paths = fetch(
        "mnist",
        base_url=server.base_url,
        on_progress=lambda name, done, total: progress.append((name, done, total)),
        checksums=sha256_of(server.folder),
    )
    folder = home / "datasets" / "mnist"
    assert paths == [folder / name for name in file_names()]
    for path in paths:
        assert path.read_bytes() == (server.folder / path.name).read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == sorted(file_names())  # no .part left
    last = {name: (done, total) for name, done, total in progress}
    assert all(done == total and done > 0 for done, total in last.values())
    assert progress[0] == ("train-images-idx3-ubyte.gz", 0, paths[0].stat().st_size)

    loader = data.mnist(batch_size=8)
    assert data.describe(loader) == f"MNIST training set: full set, {TRAIN} images"
    images, _ = next(iter(loader))
    assert images.shape == (8, 1, 28, 28)
    assert data.describe(data.mnist(train=False)) == f"MNIST test set: full set, {TEST} images"


def test_files_already_there_are_not_downloaded_again(server: Server, tmp_path: Path) -> None:
    checksums = sha256_of(server.folder)
    dest = tmp_path / "dest"
    fetch("mnist", dest, server.base_url, checksums=checksums)
    asked = len(server.requests)
    progress: list[tuple[str, int, int | None]] = []
    fetch(
        "mnist", dest, server.base_url, lambda *event: progress.append(event), checksums=checksums
    )
    assert len(server.requests) == asked == 4
    assert [done == total for _, done, total in progress] == [True] * 4


def test_a_checksum_mismatch_keeps_nothing(server: Server, tmp_path: Path) -> None:
    checksums = sha256_of(server.folder)
    checksums["train-labels-idx1-ubyte.gz"] = "sha256:" + "0" * 64
    dest = tmp_path / "dest"
    with pytest.raises(FetchError) as caught:
        fetch("mnist", dest, server.base_url, checksums=checksums)
    message = str(caught.value)
    assert message.startswith(f"train-labels-idx1-ubyte.gz from {server.base_url}")
    assert "has sha256 " in message and "it was not kept" in message
    assert "\n" not in message
    assert sorted(p.name for p in dest.iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_md5_checksums_are_accepted_too(server: Server, tmp_path: Path) -> None:
    checksums = {
        path.name: "md5:" + hashlib.md5(path.read_bytes()).hexdigest()
        for path in server.folder.glob("*.gz")
    }
    assert len(fetch("mnist", tmp_path / "dest", server.base_url, checksums=checksums)) == 4


def test_a_missing_file_is_reported_with_the_http_status(server: Server, tmp_path: Path) -> None:
    checksums = sha256_of(server.folder)
    (server.folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FetchError, match=r"t10k-images-idx3-ubyte.gz: .* answered HTTP 404"):
        fetch("mnist", tmp_path / "dest", server.base_url, checksums=checksums)


def test_an_unreachable_mirror_is_reported(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that nothing listens on once this socket closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="cannot reach"):
        fetch("fashion-mnist", tmp_path / "dest", f"http://127.0.0.1:{port}/", timeout=5)


def test_an_unknown_data_set_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="no data set called 'cifar'"):
        fetch("cifar", tmp_path)


def test_the_published_checksums_cover_every_file() -> None:
    for files in CHECKSUMS.values():
        assert sorted(files) == sorted(file_names())
        assert all(value.startswith("md5:") and len(value) == 36 for value in files.values())


def test_tutor_data_fetch_reports_a_bad_download_in_one_line(server: Server, home: Path) -> None:
    from typer.testing import CliRunner

    from tutor.cli import app

    # The served files are not the real MNIST, so the published checksums reject the first one.
    result = CliRunner().invoke(app, ["data", "fetch", "mnist", "--mirror", server.base_url])
    assert result.exit_code == 1
    (line,) = [x for x in result.output.splitlines() if x.startswith("tutor:")]
    assert "train-images-idx3-ubyte.gz" in line and "it was not kept" in line
    assert "Traceback" not in result.output
