"""A real `chroma run` server on a local port, for benchmarks and tests of client/server mode."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMA = Path(sys.executable).with_name("chroma")  # the venv's own `chroma` command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChromaServer:
    """`chroma run` over `path`, started by `start()` (waits for its heartbeat, 60 s at most)
    and stopped by `stop()` or `kill()`; also a context manager. No telemetry leaves the machine."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path, self.port = path, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        command = [str(CHROMA), "run", "--path", str(self.path)]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.is_up():
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"chroma run did not come up on port {self.port}")

    def is_up(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
            return True
        except OSError:
            return False

    def stop(self) -> None:
        """Shut down cleanly (what a reused store wants); killed after 60 s."""
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """Stop at once, as a crash would."""
        if self.process:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
