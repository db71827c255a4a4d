"""A call in a forked child process: the second half of the NUTS chains, and
writing posterior.nc while the report's other files are written.

nutpie calls foomcalc's logp through Python (`nutpie_model`), so its chains share one
GIL and run on one core. `sampling.sample` therefore always draws the chains as two
halves with fixed seeds: in a forked child and the parent at once when forking is safe,
one after the other otherwise; the draws are the same either way (a test compares them).

Forking is safe only in a process with no other Python thread (a CLI run): a thread
may hold a lock at the fork and the child would wait on it forever. The web app, Dask
workers and pytest workers have threads, so they run the halves in turn. The child
inherits the compiled model (no compile, no imports), reports progress through shared
memory, sends its result back pickled and exits. If it fails or dies, `result` returns
None and the caller does the work itself (draws that half, writes the file): a failure
costs time, never the result.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: Seconds between progress polls while waiting for the child.
POLL_SECONDS = 0.25
#: A child whose progress counter (counts[0]) has not moved for this long is taken for
#: stuck (e.g. on a lock a native thread held at the fork): killed, its work redone.
STALL_SECONDS = 120.0


def can_fork() -> bool:
    """Whether a child can be forked safely here: Linux (macOS system libraries are not
    fork-safe), no other Python thread, not a daemonic multiprocessing child (which may
    not have children)."""
    return (sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
            and threading.active_count() == 1 and not mp.current_process().daemon)


class ForkedCall:
    """`fn(counts)` running in a forked child; `counts` is a shared array of 4 int64s
    the child writes progress into (read by the parent as `counts`). A child whose
    counts[0] stays put for `stall_seconds` is given up on (`result` returns None), so
    a call without progress must finish within that time or be redone by the caller."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        ctx = mp.get_context("fork")
        self.counts = ctx.Array("q", 4, lock=False)
        self._recv, send = ctx.Pipe(duplex=False)

        def target() -> None:
            self._recv.close()
            try:
                value = fn(self.counts)
                send.send_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            except BaseException:  # the caller redoes the work
                pass
            finally:
                send.close()

        self._process = ctx.Process(target=target, daemon=True, name="foomcalc-forked")
        self._process.start()
        send.close()  # the child's end: EOF here once the child has gone

    def result(self, waiting: Callable[[], None] = lambda: None,
               stall_seconds: float = STALL_SECONDS) -> Any | None:
        """The child's return value, or None if it failed, died or stalled (counts[0]
        unchanged for `stall_seconds`); calls `waiting()` every POLL_SECONDS until then."""
        last, since = self.counts[0], time.monotonic()
        try:
            while not self._recv.poll(POLL_SECONDS):
                waiting()
                if self.counts[0] != last:
                    last, since = self.counts[0], time.monotonic()
                elif time.monotonic() - since > stall_seconds:
                    return None
            data = self._recv.recv_bytes()
        except (EOFError, OSError):
            data = None
        finally:
            self.cancel()
        return None if data is None else pickle.loads(data)

    def cancel(self) -> None:
        """Stop the child (if still running) and reap it."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._recv.close()
