"""Running a notebook of notebooks/ with papermill, for the notebook tests: the
notebooks, the small parameters each runs with, and a check of a report it wrote."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01-quickstart", "02-enter-your-priors", "03-add-evidence", "04-compare-reports",
         "05-published-positions", "06-survey"]
#: Parameters each notebook is run with in the tests (out_dir is added per test).
SMALL = {
    "01-quickstart": {"draws": 1000},
    "02-enter-your-priors": {"draws": 1000, "n_slider_draws": 1000},
    "03-add-evidence": {"draws": 1000, "n_sweep_draws": 1000},
    "04-compare-reports": {"draws": 1000},
    "05-published-positions": {"draws": 1000, "n_crux_draws": 1000},
    "06-survey": {"draws": 300, "n_people": 8},
}


def run_notebook(name: str, tmp_path: Path, **extra) -> Path:
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "out"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
        parameters={"out_dir": str(out), **SMALL[name], **extra},
        kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False,
    )
    return out


def report_summary(folder: Path) -> dict:
    summary = json.loads((folder / "summary.json").read_text())
    h = summary["hard_takeoff"]
    assert 0.0 <= h["posterior"] <= 1.0 and 0.0 <= h["prior"] <= 1.0
    assert math.isfinite(h["mcse"]) and h["mcse"] >= 0
    return summary
