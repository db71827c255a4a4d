"""Cell checks for the capability-gap evidence kinds (issue 9, part 1).

- ``time_horizons``: model, release_date (ISO date or decimal year), horizon_minutes (the
  METR 50% time horizon in minutes, > 0), optional domain (benchmark; default
  "software"). Each row is marked `frontier` when its horizon beats every earlier-released
  row of its domain (METR fit their trend on such frontier models).
- ``game_scaling``: train_flop (training FLOP, not log10), elo (Elo, any offset; the
  boardlaw data use 0 = perfect play), optional board_size (the game's size; each size
  gets its own intercept and plateau).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence.cells import Problems, _numbers, _texts, _unitless, _years

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
    """time_horizons: model, year, horizon_minutes, log2_horizon, domain, frontier."""
    models = _texts(frame, "model", problems)
    years = _years(frame, "release_date", problems)
    minutes = _unitless(frame, "horizon_minutes", ("hour", "hr", "min", "sec", "day"),
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


def game_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """game_scaling: train_flop, log10_flop, elo, board_size (text; "all" if absent)."""
    flop = _numbers(frame, "train_flop", problems)
    for i, v in enumerate(flop):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "train_flop", f"{v:g} must be positive (training FLOP).")
        elif np.isfinite(v) and v < 1e3:
            problems.at(i, "train_flop", f"{v:g} looks like log10 FLOP; give FLOP (e.g. 1e13, "
                                         f"not 13).")
    elo = _numbers(frame, "elo", problems)
    for i, v in enumerate(elo):
        if np.isfinite(v) and abs(v) > 20_000:
            problems.at(i, "elo", f"{v:g} is not a plausible Elo rating (|Elo| <= 20000); "
                                  f"natural-log Elo must be converted (x 400/ln 10).")
    boards = ([str(b).strip() or "all" for b in frame["board_size"]]
              if "board_size" in frame.columns else ["all"] * len(frame))
    with np.errstate(invalid="ignore", divide="ignore"):
        log10 = np.log10(flop)
    return pd.DataFrame({"train_flop": flop, "log10_flop": log10, "elo": elo,
                         "board_size": boards})
