"""A real PostgreSQL server for tests and benchmarks, started in a temporary folder.

    server = PostgresServer.start()       # initdb + pg_ctl on a free port on 127.0.0.1
    url = server.new_database()           # postgresql://tutor@127.0.0.1:PORT/t1
    server.restart()                      # a fast shutdown (clients cut off), then up again
    server.stop()

Uses Debian's `postgresql` package (binaries under /usr/lib/postgresql/*/bin) or any `pg_ctl` on
PATH. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (or
`nobody`), with the data folder given to that user. ``find_binaries`` is None when no server is
installed; the fixtures then skip, unless ``TUTOR_REQUIRE_POSTGRES=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def find_binaries() -> Path | None:
    """The folder holding `initdb` and `pg_ctl`, the newest installed version first."""
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda f: int(f.split("/")[-2]), reverse=True
    )
    for folder in folders:
        if (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: nobody else when we are not root; `postgres`, else `nobody`, as root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and no `postgres` or `nobody` user to run PostgreSQL as")


@dataclass
class PostgresServer:
    """One throwaway server; ``url`` connects to its `postgres` database as superuser `tutor`."""

    binaries: Path
    folder: Path
    port: int
    user: pwd.struct_passwd | None
    _databases: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls, binaries: Path | None = None) -> PostgresServer:
        found = binaries or find_binaries()
        if found is None:
            raise RuntimeError("no PostgreSQL server installed (apt-get install postgresql)")
        user = _server_user()
        folder = Path(tempfile.mkdtemp(prefix="tutor-pg-"))
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        server = cls(found, folder, _free_port(), user)
        server._run("initdb", "-D", str(folder / "data"), "-U", "tutor", "--auth=trust",
                    "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip
        server._pg_ctl_start()
        return server

    @property
    def url(self) -> str:
        return f"postgresql://tutor@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://tutor@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        """A fresh, empty database on this server; its URL."""
        import psycopg

        name = f"t{next(self._databases)}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.execute(f"CREATE DATABASE {name}")
        return self.database_url(name)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def start_again(self) -> None:
        """Start a stopped server (same folder, same port)."""
        self._pg_ctl_start()

    def restart(self, down_for: float = 0.0) -> None:
        """Stop (clients are cut off mid-connection), wait ``down_for`` seconds, start again."""
        self.stop()
        time.sleep(down_for)
        self._pg_ctl_start()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pg_ctl_start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=300 -c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options,
                  "-l", str(self.folder / "log"), "-w", "-t", "60", "start")  # fmt: skip

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        user = self.user
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            cwd=self.folder,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )


# -- pytest fixtures (import them into a test module: `from postgres import postgres_url`) ----

_shared: PostgresServer | None = None


def shared_server() -> PostgresServer:
    """One server for the whole test run (each test gets its own database on it)."""
    global _shared
    if _shared is None:
        _shared = start_or_skip()
        atexit.register(_shared.remove)
    return _shared


def start_or_skip() -> PostgresServer:
    """A new server; the test is skipped when PostgreSQL is not installed (failed in CI)."""
    if find_binaries() is None:
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("TUTOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return PostgresServer.start()


@pytest.fixture
def postgres_url() -> str:
    """A fresh, empty database on the shared test server."""
    return shared_server().new_database()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, to stop and restart."""
    server = start_or_skip()
    yield server
    server.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against each backend: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.sqlite3'}"
    return shared_server().new_database()
