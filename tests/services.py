"""Real services for tests: find a running PostgreSQL, or install and start one.

The default is the server our machines run at 127.0.0.1:5432 (trust auth, database ``test``);
``CX_TEST_POSTGRES_URL`` overrides it. Where none answers, Debian's ``postgresql`` is installed
(apt-get) and a throw-away cluster is started on a free port for the test session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"


def _answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env
        )
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent


class LocalPostgres:
    """A throw-away PostgreSQL cluster in a temporary folder."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="cx-pg-"))
        self.port = _free_port()
        self.url = f"postgresql://127.0.0.1:{self.port}/test"
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.dir, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    def start(self) -> str:
        data = self.dir / "data"
        run = lambda *cmd: subprocess.run([*self._as, *cmd], check=True, capture_output=True)  # noqa: E731
        run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        run(str(self.bin / "pg_ctl"), "-D", str(data), "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "-l", str(self.dir / "log"),
            "-w", "start")  # fmt: skip
        run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "test",
        )
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/test"
        deadline = time.monotonic() + 30
        while not _answers(self.url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"local PostgreSQL did not answer at {self.url}")
            time.sleep(0.2)
        return self.url

    def stop(self) -> None:
        subprocess.run([*self._as, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"],
                       check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_url() -> tuple[str, LocalPostgres | None]:
    """A PostgreSQL URL that answers, and the local server started for it (or None)."""
    url = os.environ.get("CX_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if _answers(url):
        return url, None
    server = LocalPostgres()
    return server.start(), server
