"""A real PostgreSQL server on a local port (Debian's package), for the replica tests and bench.

`initdb` a temp folder and start `postgres` on a free loopback port; as root (PostgreSQL
refuses to run as root) both run as the `postgres` user through `runuser`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.chroma_server import free_port

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here, or the server would not start (the reason says which)."""


def _binary(name: str) -> str:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise PostgresUnavailable(f"{name} not found (apt-get install postgresql)")
    return found


class PostgresServer:
    """A throwaway cluster in a fresh folder of /tmp (the `postgres` user must reach it,
    which a root-only temp folder forbids); `url` is its `newsdesk` database (trust auth)."""

    def __init__(self) -> None:
        self.path, self.port = Path(tempfile.mkdtemp(prefix="newsdesk-pg-")), free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/newsdesk"

    def _as_owner(self, command: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return command
        return ["runuser", "-u", "postgres", "--", *command]

    def start(self) -> PostgresServer:
        data = self.path / "pgdata"
        self.path.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.path, "postgres")
        initdb = [_binary("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        done = subprocess.run(self._as_owner(initdb), capture_output=True, text=True)
        if done.returncode:
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
        server = [_binary("postgres"), "-D", str(data), "-p", str(self.port),
                  "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.path}",
                  "-c", "max_connections=200", "-c", "fsync=off"]  # fmt: skip
        self.process = subprocess.Popen(
            self._as_owner(server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        admin = sa.create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with admin.connect() as db:
                    db.execute(sa.text("CREATE DATABASE newsdesk"))
                break
            except sa.exc.OperationalError as err:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise PostgresUnavailable(f"postgres did not start: {err}") from err
                time.sleep(0.2)
        admin.dispose()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
