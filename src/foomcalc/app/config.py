"""The web app's settings: where its runs are written and how big they are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AppConfig:
    """Where runs are written and how big they are.

    `work_dir` holds every report and comparison folder and the uploaded evidence;
    `draws` is the posterior draws per chain of "Update with evidence"; `seed` seeds
    both the live prior-only numbers and the posterior runs."""

    work_dir: Path
    draws: int = 1000
    seed: int = 0
