"""Running a notebook of notebooks/ with papermill, for the notebook tests: the
notebooks, the small parameters each runs with, and a check of a report it wrote.

Every wait has a limit: the kernel must start within START_TIMEOUT_S and each cell
finish within EXECUTION_TIMEOUT_S (papermill's `start_timeout`, `execution_timeout`),
and the whole test within pytest-timeout's limit (pyproject.toml). A cell that times
out is run once more in a fresh kernel: papermill/nbclient can wait forever for the
reply to a cell whose kernel is already idle (the lost-reply hang, papermill #711,
jupyter_client #922: seen on notebook 02's widget cell with ipykernel 7); a second
timeout fails the test with a message saying so."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

#: Seconds for the kernel to start and answer (papermill's start_timeout).
START_TIMEOUT_S = 60
#: Seconds one cell may run (papermill's execution_timeout): the slowest cell of the
#: notebooks with SMALL parameters (06-survey) takes ~60 s alone; two attempts of a
#: notebook stay within the per-test limit (600 s, pyproject.toml).
EXECUTION_TIMEOUT_S = 200

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
    """Run notebooks/<name>.ipynb with its SMALL parameters (and `extra`) into
    tmp_path/out; returns that folder."""
    out = tmp_path / "out"
    execute_with_retry(NOTEBOOKS / f"{name}.ipynb", tmp_path / f"{name}.ipynb",
                       {"out_dir": str(out), **SMALL[name], **extra})
    return out


def execute_with_retry(source: Path, output: Path, parameters: dict,
                       execution_timeout_s: float = EXECUTION_TIMEOUT_S,
                       start_timeout_s: float = START_TIMEOUT_S) -> None:
    """papermill with both timeouts; a timed-out cell gets one more run (a fresh kernel),
    then the test fails naming the notebook, the cell and the known hang."""
    papermill = pytest.importorskip("papermill")
    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                str(source), str(output), parameters=parameters, kernel_name="python3",
                cwd=str(NOTEBOOKS), progress_bar=False,
                execution_timeout=execution_timeout_s, start_timeout=start_timeout_s)
            return
        except (TimeoutError, RuntimeError) as exc:  # a cell's (nbclient), the kernel start's
            if not isinstance(exc, TimeoutError) and "respond" not in str(exc):
                raise
            if attempt == 2:
                pytest.fail(f"{source.name}: timed out twice (cells get "
                            f"{execution_timeout_s:g} s, the kernel {start_timeout_s:g} s "
                            "to start). If the kernel was idle, this is the lost-reply hang "
                            "of papermill/nbclient (papermill #711, jupyter_client #922); "
                            f"otherwise a cell is too slow. Last timeout: {exc}",
                            pytrace=False)


def report_summary(folder: Path) -> dict:
    summary = json.loads((folder / "summary.json").read_text())
    h = summary["hard_takeoff"]
    assert 0.0 <= h["posterior"] <= 1.0 and 0.0 <= h["prior"] <= 1.0
    assert math.isfinite(h["mcse"]) and h["mcse"] >= 0
    return summary
