"""Progress on stderr: `foomcalc report`'s sampling progress (nutpie's progress callback
as text) and `foomcalc survey`'s log lines with the elapsed time."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TextIO

import typer


class ChainProgress(Protocol):
    """What ProgressLines reads of one chain's progress (a nutpie ChainProgress)."""

    finished_draws: int
    total_draws: int
    divergences: int


class ProgressLines:
    """Sampling progress for nutpie's `progress_callback` (a list of ChainProgress).

    `live` True (a terminal): one line rewritten in place; False (piped to a file): a
    plain line at most every `every_s` seconds. The time-remaining estimate, in seconds,
    is shown only once 20% of the draws are done and is smoothed (the mean rate since
    the start), so the first, noisy estimates never appear.
    """

    def __init__(self, stream: TextIO | None = None, live: bool = False, every_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live, self.every_s, self.clock = live, every_s, clock
        self.start = clock()
        self.last = -float("inf")
        self.last_done = -1

    def line(self, done: int, total: int, divergences: int) -> str:
        """The progress text: draws done of all chains, divergences, time left."""
        elapsed = self.clock() - self.start
        text = f"sampling: {done}/{total} draws ({100 * done / max(total, 1):.0f}%)"
        if divergences:
            text += f", {divergences} divergent"
        if total and done >= 0.2 * total and done < total:
            text += f", about {elapsed * (total - done) / done:.0f} s left"
        return text

    def __call__(self, chains: Sequence[ChainProgress]) -> None:
        done = sum(int(c.finished_draws) for c in chains)
        total = sum(int(c.total_draws) for c in chains)
        now = self.clock()
        if done == self.last_done or (now - self.last < self.every_s and done < total):
            return  # no news (e.g. while nutpie initialises), or too soon
        self.last, self.last_done = now, done
        text = self.line(done, total, sum(int(c.divergences) for c in chains))
        end = "\n" if not self.live or done >= total else ""
        print(("\r" if self.live else "") + text, end=end, file=self.stream, flush=True)


def plain_progress() -> Callable[[str], None]:
    """A log function writing each message on stderr after the seconds elapsed since this
    call, for logs and pipes (no progress bar there)."""
    start = time.perf_counter()

    def log(message: str) -> None:
        typer.echo(f"foomcalc [{time.perf_counter() - start:5.1f} s] {message}", err=True)
    return log
