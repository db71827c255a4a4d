"""The web app's settings: where its runs are written and how big they are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AppConfig:
    """Where runs are written and how big they are.

    `work_dir` holds every report and comparison folder and the uploaded evidence;
    `draws` is the posterior draws per chain of "Update with evidence", of the presets'
    base posteriors and of refits; `seed` seeds the live numbers and every run;
    `bases_dir` caches the base posteriors (None: `app.posterior.bases_dir()`)."""

    work_dir: Path
    draws: int = 1000
    seed: int = 0
    bases_dir: Path | None = None
