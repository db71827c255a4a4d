"""The web app's slow work: uploaded evidence, the full posterior, comparisons.

Each job calls the report workflow exactly as `foomcalc report` and `foomcalc compare`
do (workflow.resolve_inputs / make_report, comparison.make_comparison), in a worker
thread so the page stays live, and writes real report folders under the app's work
folder (never over an existing report). Uploaded evidence is validated by
`evidence.load_evidence`, so the page shows the same InputError text as the CLI.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from foomcalc.errors import InputError
from foomcalc.evidence.files import load_evidence
from foomcalc.reporting.comparison import MARKER, make_comparison
from foomcalc.reporting.workflow import make_report, resolve_inputs


def safe_name(name: str) -> str:
    """A file name from an uploaded name: no folders, only plain characters."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload"
    return stem if stem.lower().endswith(".csv") else stem + ".csv"


def add_upload(uploads_dir: Path, name: str, datapath: str | Path, *,
               move: bool = False) -> tuple[Path, str]:
    """Store an uploaded file once, under its own (safe) name, and validate it as evidence.

    With `move` the file at `datapath` (the server's temporary copy of the upload) is
    moved in rather than copied, so one copy remains. Returns (path, description); raises
    InputError with the CLI's message, naming the file by its uploaded name. A rejected
    file is removed and never replaces an accepted upload of the same name; an accepted
    one replaces it (the older copy is gone)."""
    uploads_dir.mkdir(parents=True, exist_ok=True)
    target = uploads_dir / safe_name(name)
    staged = uploads_dir / f".{target.name}.checking-{uuid.uuid4().hex[:12]}"
    try:
        (shutil.move if move else shutil.copyfile)(datapath, staged)
        item = load_evidence(staged)
    except BaseException as exc:
        staged.unlink(missing_ok=True)
        if isinstance(exc, InputError):
            raise InputError(exc.problems, source=target.name) from None
        if isinstance(exc, OSError):
            raise InputError(f"cannot store the upload ({exc.strerror})",
                             source=target.name) from None
        raise
    os.replace(staged, target)
    return target, f"{target.name}: {dataclasses.replace(item, path=str(target)).describe()}"


def check_uploads(uploads_dir: Path, files: list[dict]) -> tuple[list[tuple[Path, str]],
                                                                 list[str]]:
    """`add_upload` (moving) for each of Shiny's uploaded files ({"name", "datapath"}), in
    a worker thread: (stored path, description) of the accepted ones and the messages of
    the rejected ones."""
    added, errors = [], []
    for f in files:
        try:
            added.append(add_upload(uploads_dir, f["name"], f["datapath"], move=True))
        except InputError as exc:
            errors.append(str(exc))
        finally:
            Path(f["datapath"]).unlink(missing_ok=True)  # the server's copy, if not moved
    return added, errors


@dataclass
class Job:
    """A worker thread with a stage text for the page's progress indicator."""

    label: str
    stage: str = "starting"
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    error: str | None = None
    result: dict | None = None
    _thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the work has not finished yet (with a result or an error)."""
        return self.finished is None

    def output(self) -> dict:
        """The finished work's dict; a RuntimeError when there is none (running or failed)."""
        if self.result is None:
            raise RuntimeError(f"job {self.label} has no result: "
                               f"{self.error or 'it has not finished'}")
        return self.result

    def seconds(self) -> float:
        """Seconds from the start to the end, or to now while running (monotonic clock)."""
        return (self.finished or time.monotonic()) - self.started

    def start(self, work: Callable[[Job], dict]) -> Job:
        """Run `work(self)` in a daemon thread; its dict becomes `result`, an exception
        becomes `error` (an InputError's text as it is, others with their type)."""
        def run() -> None:
            try:
                self.result = work(self)
            except InputError as exc:
                self.error = str(exc)
            except Exception as exc:  # shown on the page; the server keeps running
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                self.finished = time.monotonic()

        self._thread = threading.Thread(target=run, name=f"foomcalc-{self.label}", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> None:
        """Block until the thread ends, or `timeout` seconds pass."""
        if self._thread is not None:
            self._thread.join(timeout)


def _fresh_folder(work_dir: Path, stem: str) -> Path:
    """A new, not yet existing report folder under `work_dir` (never an old report)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    for i in range(1, 10_000):
        out = work_dir / f"{stem}-{i}"
        if not out.exists():
            return out
    raise InputError("too many runs in the app's work folder", source=work_dir)


def run_report(job: Job, work_dir: Path, priors_text: str, stem: str,
               evidence_paths: list[Path], no_bundled: bool, draws: int, seed: int) -> dict:
    """`foomcalc report --priors P [--evidence ...]` into a new folder; returns the
    summary plus `folder`. The priors file written is the one the page offers."""
    work_dir.mkdir(parents=True, exist_ok=True)
    out = _fresh_folder(work_dir, stem)
    priors_path = work_dir / f"{out.name}-priors.yaml"
    priors_path.write_text(priors_text)
    job.stage = "checking the priors and evidence"
    inputs = resolve_inputs(priors_path, None, evidence_paths, no_bundled, out)
    job.stage = (f"sampling the posterior ({draws} draws x 4 chains, nutpie) and writing "
                 "the report")
    summary = make_report(inputs, seed=seed, draws=draws,
                          command=f"foomcalc app (report --priors {priors_path})")
    return {**summary, "folder": str(out), "notes": list(inputs.notes)}


def run_comparison(job: Job, work_dir: Path, mine: Path, other: Path) -> dict:
    """`foomcalc compare MINE OTHER` into a new folder; returns comparison.json + folder."""
    out = _fresh_folder(work_dir, "comparison")
    job.stage = "computing the crux table (reweighting; refit where k-hat > 0.7)"
    make_comparison([mine, other], out)
    data = json.loads((out / MARKER).read_text())
    return {**data, "folder": str(out)}
