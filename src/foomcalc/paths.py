"""Where bundled data lives: data/ at the repository root (editable install),
or the folder named by FOOMCALC_DATA."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The bundled data folder (priors presets, curated evidence, examples)."""
    override = os.environ.get("FOOMCALC_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "data"


def presets_dir() -> Path:
    return data_dir() / "priors"


def evidence_dir() -> Path:
    return data_dir() / "evidence"
