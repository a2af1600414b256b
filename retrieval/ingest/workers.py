"""Worker processes that never outlive the ingest that started them.

The quote parse runs in a spawned process (never forked: the parent runs threads) for a large
ingest. Left to itself such a worker outlives its parent: a parent killed never shuts its
pool down, and the worker parses what it was handed, then waits for ever on queues it holds
both ends of (and multiprocessing's resource tracker with it, whose pipe it holds). So:

- each worker watches its parent from a thread of its own (`multiprocessing.parent_process`:
  its sentinel closes when the parent exits, however it dies) and exits with it;
- each worker ignores SIGINT: Ctrl-C reaches every process of the terminal's group, and a
  worker interrupted mid-batch would print a traceback and break the pool; its parent stops
  it (`stop_pool`) after stopping cleanly itself;
- `stop_pool` ends a pool at once, its running batch abandoned, for a stop or an error;
- `stop_resource_tracker` ends multiprocessing's resource tracker, which the spawn context
  starts with its first semaphore and which otherwise lives until this process exits.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import resource_tracker

STOP_WAIT_S = 5.0  # a terminated worker exits in milliseconds; one still there is killed


def spawn_pool(workers: int = 1) -> ProcessPoolExecutor:
    """A pool of spawned worker processes that exit with this one."""
    context = multiprocessing.get_context("spawn")  # never fork a threaded process
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)


def _start_worker() -> None:
    """Runs first in each worker: Ctrl-C is the parent's to handle, and the parent's end is
    the worker's end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        watch = threading.Thread(
            target=_exit_with, args=(parent,), name="parent-watch", daemon=True
        )
        watch.start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns once the parent's end of the spawn pipe closes: it has exited
    os._exit(1)  # at once: no cleanup of a pool whose owner is gone


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool now, not after the batch it is running: each process is terminated
    (SIGTERM; SIGKILL if still there after `STOP_WAIT_S`), then the pool shut down, its
    queued work cancelled. For a stop or an error; a pool whose work is all done is shut
    down with `shutdown(wait=True)` alone."""
    # The stdlib names its processes only privately (3.14 adds `terminate_workers`).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(STOP_WAIT_S)
        if process.exitcode is None:
            process.kill()
    # Its manager thread sees the processes gone and closes the queues (their semaphores
    # with them): once it has, nothing of the pool is left for the resource tracker.
    pool.shutdown(wait=True, cancel_futures=True)


def stop_resource_tracker() -> None:
    """End multiprocessing's resource tracker now, if this process started one.

    The spawn context starts it with the first semaphore a pool's queues make, and it lives
    until every process holding its pipe has exited: this one, or a worker that outlived it.
    Call when no pool is left (a collection first frees the semaphores of pools just shut
    down, so none is reported leaked); one started again later is stopped the same way."""
    gc.collect()
    tracker = resource_tracker._resource_tracker  # private: the stdlib has no public stop
    stop = getattr(tracker, "_stop", None)
    if stop is not None and getattr(tracker, "_pid", None) is not None:  # started here
        stop()
