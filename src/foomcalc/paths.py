"""Where bundled data lives: the package's `data` folder, a link to data/ at the
repository root that a built wheel copies (so `pip install .` ships the presets and
evidence), or the folder named by FOOMCALC_DATA."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The bundled data folder (priors presets, curated evidence, examples)."""
    override = os.environ.get("FOOMCALC_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "data"


def presets_dir() -> Path:
    return data_dir() / "priors"


def evidence_dir() -> Path:
    return data_dir() / "evidence"
