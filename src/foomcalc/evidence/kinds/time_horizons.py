"""``time_horizons``: METR 50% time horizons of models over time.

Columns: model, release_date (ISO date or decimal year), horizon_minutes (the METR 50%
time horizon in minutes of human time, > 0, a plain number), optional domain (benchmark;
default "software"). Each row is marked `frontier` when its horizon beats every
earlier-released row of its domain (METR fit their trend on such frontier models).
Canonical table: model, year (decimal), horizon_minutes, domain, log2_horizon, frontier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind

#: A 50% horizon above 10 work-years of minutes (~1.05e6 min) is a unit mistake (seconds?).
MAX_HORIZON_MINUTES = 10 * 2000 * 60.0
#: Domain of rows without a domain column.
DEFAULT_HORIZON_DOMAIN = "software"


def frontier_mask(years: np.ndarray, values: np.ndarray, groups: list[str]) -> np.ndarray:
    """True where a row's value beats every strictly earlier row of its group (a record)
    and is the highest of its release date."""
    out = np.zeros(len(values), dtype=bool)
    for g in set(groups):
        idx = np.array([i for i, x in enumerate(groups) if x == g])
        for i in idx:
            earlier = idx[years[idx] < years[i]]
            same = idx[years[idx] == years[i]]
            out[i] = bool(np.all(values[earlier] < values[i])
                          and np.all(values[same] <= values[i]))
    return out


def horizons_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """model, year, horizon_minutes (> 0, at most 10 work-years), domain, log2_horizon,
    frontier."""
    models = cells.texts(frame, "model", problems)
    years = cells.years(frame, "release_date", problems)
    minutes = cells.unitless(frame, "horizon_minutes", ("hour", "hr", "min", "sec", "day"),
                             "give the horizon as a number of minutes (e.g. 90 for 1.5 hours), "
                             "without a unit.", problems)
    for i, v in enumerate(minutes):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "horizon_minutes", f"{v:g} must be positive (minutes of human time).")
        elif np.isfinite(v) and v > MAX_HORIZON_MINUTES:
            problems.at(i, "horizon_minutes", f"{v:g} minutes is over 10 work-years: it looks "
                                              f"like seconds (METR's all_data.csv is in "
                                              f"seconds); divide by 60.")
    domains = ([str(d).strip() or DEFAULT_HORIZON_DOMAIN for d in frame["domain"]]
               if "domain" in frame.columns else [DEFAULT_HORIZON_DOMAIN] * len(frame))
    table = pd.DataFrame({"model": models, "year": years, "horizon_minutes": minutes,
                          "domain": domains})
    with np.errstate(invalid="ignore", divide="ignore"):
        table["log2_horizon"] = np.log2(minutes)
    table["frontier"] = frontier_mask(years, np.nan_to_num(minutes, nan=-1.0), domains)
    return table


def informs(table: pd.DataFrame) -> set[str]:
    """The doubling time of the frontier horizon."""
    return {"horizon_doubling_months"}


def sbc_design() -> pd.DataFrame:
    """Three domains x 6 frontier models, 2019-2025 (like METR's cross-domain data)."""
    year = np.tile(np.linspace(2019.0, 2025.3, 6), 3)
    domain = np.repeat(["software", "math", "video"], 6)
    log2_h = np.tile(np.linspace(-3.0, 7.0, 6), 3)
    return pd.DataFrame({"model": [f"m{i}" for i in range(len(year))], "year": year,
                         "horizon_minutes": 2.0 ** log2_h, "domain": domain,
                         "log2_horizon": log2_h, "frontier": np.ones(len(year), dtype=bool)})


KIND = EvidenceKind(
    name="time_horizons",
    doc="METR 50% time horizons over time: model, release_date, horizon_minutes (minutes), "
        "optional domain",
    columns=("model", "release_date", "horizon_minutes"),
    noun="models",
    build=horizons_table,
    informs=informs,
    sbc_title="time-horizon trend",
    sbc_design=sbc_design,
)
