"""Progress on stderr: `foomcalc report`'s sampling progress (nutpie's progress callback,
shown with rich) and `foomcalc survey`'s log lines with the elapsed time."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

#: Share of the draws done before a time-remaining estimate is shown: the first
#: estimates (nutpie's warm-up, the first step-size adaptation) are noise.
ESTIMATE_AFTER = 0.2


class ChainProgress(Protocol):
    """What ProgressLines reads of one chain's progress (a nutpie ChainProgress)."""

    finished_draws: int
    total_draws: int
    divergences: int


class ProgressLines:
    """Sampling progress for nutpie's `progress_callback` (a list of ChainProgress), kept
    by a rich `Progress` (its task holds the draws done and estimates the time left from
    the draw rate of the last 30 s).

    `live` True (a terminal): rich's live line (bar, draws, divergences, time left),
    redrawn in place; False (piped to a file): a plain line at most every `every_s`
    seconds and at the end. The time left, in seconds, appears only once ESTIMATE_AFTER
    of the draws are done.
    """

    def __init__(self, stream: TextIO | None = None, live: bool = False, every_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live, self.every_s, self.clock = live, every_s, clock
        self.last = -float("inf")
        self.last_done = -1
        self.progress = Progress(
            TextColumn("sampling"), BarColumn(), MofNCompleteColumn(),
            TextColumn("draws ({task.percentage:>3.0f}%){task.fields[note]}"),
            console=Console(file=self.stream, force_terminal=live), get_time=clock,
            disable=not live, transient=False, auto_refresh=False)
        self.task: TaskID | None = None

    def line(self, done: int, total: int, divergences: int) -> str:
        """The progress text: draws done of all chains, divergences, time left."""
        text = f"sampling: {done}/{total} draws ({100 * done / max(total, 1):.0f}%)"
        return text + self._note(done, total, divergences)

    def _note(self, done: int, total: int, divergences: int) -> str:
        note = f", {divergences} divergent" if divergences else ""
        task = self.progress.tasks[0] if self.task is not None else None
        left = task.time_remaining if task is not None else None
        if left is not None and total and ESTIMATE_AFTER * total <= done < total:
            note += f", about {left:.0f} s left"
        return note

    def _record(self, done: int, total: int) -> None:
        """Tell rich's task about new draws (never backwards: a restarted count while
        nutpie initialises would read as negative speed)."""
        if self.task is None:
            self.task = self.progress.add_task("sampling", total=total, completed=0, note="")
            if self.live:
                self.progress.start()
        task = self.progress.tasks[0]
        if done > task.completed or total != task.total:
            self.progress.update(self.task, completed=max(done, int(task.completed)),
                                 total=total)

    def __call__(self, chains: Sequence[ChainProgress]) -> None:
        done = sum(int(c.finished_draws) for c in chains)
        total = sum(int(c.total_draws) for c in chains)
        divergences = sum(int(c.divergences) for c in chains)
        self._record(done, total)
        now = self.clock()
        if done == self.last_done or (now - self.last < self.every_s and done < total):
            return  # no news (e.g. while nutpie initialises), or too soon
        self.last, self.last_done = now, done
        if self.live:
            assert self.task is not None
            self.progress.update(self.task, note=self._note(done, total, divergences))
            self.progress.refresh()
            if done >= total:
                self.progress.stop()
            return
        print(self.line(done, total, divergences), file=self.stream, flush=True)


def plain_progress() -> Callable[[str], None]:
    """A log function writing each message on stderr after the seconds elapsed since this
    call, for logs and pipes (no progress bar there)."""
    start = time.perf_counter()

    def log(message: str) -> None:
        typer.echo(f"foomcalc [{time.perf_counter() - start:5.1f} s] {message}", err=True)
    return log
