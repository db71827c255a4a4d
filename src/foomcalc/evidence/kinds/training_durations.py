"""``training_durations``: wall-clock length of the final training run of models.

Columns: model, publication_date (ISO date or decimal year), training_hours (wall-clock
hours of the final training run, > 0, a plain number), optional training_flop (FLOP;
blanks allowed). The likelihood is a robust time trend of log duration whose value at
`automation_year` is retrain_months (docs/evidence.md). Canonical table: model, year
(decimal), training_hours, log_hours, training_flop (if given).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind

#: Longest plausible training run, hours (10 years); longer values are a unit mistake.
MAX_TRAINING_HOURS = 87_660.0


def optional_flop(frame: pd.DataFrame, problems: Problems) -> np.ndarray:
    """The optional training_flop column as floats (NaN where blank); positive, not log10."""
    flop = np.full(len(frame), np.nan)
    for i, cell in enumerate(frame["training_flop"].astype(str).str.strip()):
        if cell == "" or cell.lower() in cells.MISSING_WORDS:
            continue  # optional: blanks allowed
        try:
            flop[i] = float(cell)
        except ValueError:
            problems.at(i, "training_flop", f"'{cell}' is not a number (FLOP).")
            continue
        if not math.isfinite(flop[i]) or flop[i] <= 0:
            problems.at(i, "training_flop", f"{cell} must be a positive finite number.")
        elif flop[i] < 1e6:
            problems.at(i, "training_flop", f"{flop[i]:g} looks like log10 FLOP; give "
                                            f"FLOP (e.g. 2e25, not 25.3).")
    return flop


def durations_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """model, publication_date -> decimal year, training_hours (> 0, at most 10 years)."""
    models = cells.texts(frame, "model", problems)
    years = cells.years(frame, "publication_date", problems)
    hours = cells.unitless(frame, "training_hours",
                           ("day", "week", "month", "hour", "hr", "min", "sec"),
                           "give the duration as a number of hours (e.g. 2280 for 95 days), "
                           "without a unit.", problems, need_digit=True)
    for i, v in enumerate(hours):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "training_hours", f"{v:g} must be positive (wall-clock hours).")
        elif np.isfinite(v) and v > MAX_TRAINING_HOURS:
            problems.at(i, "training_hours", f"{v:g} hours is over 10 years: it looks like "
                                             f"minutes or seconds; give hours.")
    table = pd.DataFrame({"model": models, "year": years, "training_hours": hours})
    with np.errstate(invalid="ignore", divide="ignore"):
        table["log_hours"] = np.log(hours)
    if "training_flop" in frame.columns:
        table["training_flop"] = optional_flop(frame, problems)
    return table


def informs(table: pd.DataFrame) -> set[str]:
    """retrain_months, and automation_year, the year at which the trend is read."""
    return {"retrain_months", "automation_year"}


def sbc_design() -> pd.DataFrame:
    """15 frontier training runs, 2020-2025 (like the bundled Epoch rows; values replaced)."""
    year = np.linspace(2020.0, 2025.2, 15)
    hours = np.full(len(year), 1500.0)
    return pd.DataFrame({"model": [f"run {i}" for i in range(len(year))], "year": year,
                         "training_hours": hours, "log_hours": np.log(hours)})


KIND = EvidenceKind(
    name="training_durations",
    doc="wall-clock length of final training runs: model, publication_date, "
        "training_hours (hours), optional training_flop (FLOP)",
    columns=("model", "publication_date", "training_hours"),
    noun="training runs",
    build=durations_table,
    informs=informs,
    sbc_title="training-duration trend",
    sbc_design=sbc_design,
)
