"""Processes as Linux's /proc shows them: who is whose child, and who is still running.

Enough for the tests to see what a process leaves behind, without psutil (only the optional
cluster extra pulls it in). A process is known by its pid and start time together, so a pid
the kernel reuses is never taken for the process that had it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str  # R running, S sleeping, Z zombie (exited, not yet reaped), …
    started: int  # clock ticks after boot: with the pid, names one process for good
    command: str

    @property
    def running(self) -> bool:
        """Not exited, and still the same process."""
        now = read(self.pid)
        return now is not None and now.started == self.started and now.state not in "ZX"

    def __str__(self) -> str:
        return f"{self.pid} [{self.state}] {self.command}"


def read(pid: int) -> Proc | None:
    """The process with this pid now, or None if there is none."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        command = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name before may hold spaces
    return Proc(
        pid,
        ppid=int(fields[1]),
        state=fields[0],
        started=int(fields[19]),
        command=command.replace(b"\0", b" ").decode(errors="replace").strip(),
    )


def all_processes() -> list[Proc]:
    found = (read(int(entry.name)) for entry in PROC.iterdir() if entry.name.isdigit())
    return [proc for proc in found if proc is not None]


def descendants(pid: int) -> list[Proc]:
    """Every process below `pid` (children, their children, …), zombies included."""
    children: dict[int, list[Proc]] = {}
    for proc in all_processes():
        children.setdefault(proc.ppid, []).append(proc)
    found, parents = [], [pid]
    while parents:
        below = children.get(parents.pop(), [])
        found += below
        parents += [proc.pid for proc in below]
    return found


def still_running(procs: list[Proc], within: float) -> list[Proc]:
    """Those of `procs` still running after up to `within` seconds."""
    deadline = time.monotonic() + within
    running = [proc for proc in procs if proc.running]
    while running and time.monotonic() < deadline:
        time.sleep(0.05)
        running = [proc for proc in running if proc.running]
    return running


def reap_zombies() -> None:
    """Collect this process's exited children: orphans it adopted as a subreaper, whose
    exit nobody else waits for."""
    for proc in descendants(os.getpid()):
        if proc.ppid == os.getpid() and proc.state == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, os.WNOHANG)


def kill(procs: list[Proc]) -> None:
    for proc in procs:
        if proc.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)


def become_subreaper() -> bool:
    """Adopt the orphans of this process's descendants (Linux's PR_SET_CHILD_SUBREAPER),
    so a process whose parent died in a test is still found below this one, not under
    init. False where the call is not available."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False
