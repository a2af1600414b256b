"""SIGINT and SIGTERM as a clean stop for the commands that write (`ingest`, `refresh`,
`watch`, `slack`).

Left to Python, SIGINT raises KeyboardInterrupt wherever the main thread is, and SIGTERM
ends the process at once, its parse worker and multiprocessing's resource tracker left
running. Here the first signal asks for a stop: the ingest under way finishes the batch it
is writing and ends its worker processes (`Newsdesk.stop_writing`), the command says in one
line what was kept, and exits with 128 + the signal's number (130 for SIGINT, 143 for
SIGTERM). A second signal means now: the process exits at once (the store is crash-safe,
and a worker whose parent is gone exits by itself).

The handler does nothing but let the signal through: a handler runs on the main thread
between any two bytecodes, even inside a lock the stop would take. A thread of its own
reads the signal from `signal.set_wakeup_fd` and does the stopping.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

from retrieval.ingest.report import IngestStopped

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """While entered (on the main thread), SIGINT and SIGTERM call `on_stop` once, from a
    thread of its own, then set `received`; a second one exits the process at once."""

    def __init__(self, on_stop: Callable[[], None]) -> None:
        self.on_stop = on_stop
        self.received = threading.Event()
        self.signum: int | None = None

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + self.signum if self.signum else 1

    def __enter__(self) -> StopSignals:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._handlers = {  # one ignored from the start (`nohup`, a background job) stays so
            sig: signal.signal(sig, _let_through)
            for sig in SIGNALS
            if signal.getsignal(sig) is not signal.SIG_IGN
        }
        self._wakeup = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._relay = threading.Thread(target=self._relay_signals, name="stop-signals")
        self._relay.daemon = True
        self._relay.start()
        return self

    def __exit__(self, *exc) -> None:
        signal.set_wakeup_fd(self._wakeup)
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        os.close(self._write)  # the relay reads the end of its pipe and returns
        self._relay.join()
        os.close(self._read)

    def _relay_signals(self) -> None:
        while byte := os.read(self._read, 1):
            if byte[0] not in self._handlers:  # another signal with a Python handler
                continue
            if self.signum is not None:
                os._exit(128 + byte[0])
            self.signum = byte[0]
            self.on_stop()
            self.received.set()


def _let_through(signum: int, frame: object) -> None:
    """The Python-level handler: none of the default's action; the relay thread acts."""


def stopped_line(stopped: IngestStopped | None, rest: str) -> str:
    """What a stop kept, in one line; `rest` says what completes the rest."""
    if stopped is None:
        return "stopped: no ingest was under way"
    if stopped.total is None:
        return f"stopped while reading the files, before writing any article; {rest}"
    return f"stopped: {stopped.written} of {stopped.total} articles written; {rest}"
