"""Per-kind checks of an evidence table: raw string cells -> canonical typed table.

Each builder reads the columns of one kind (evidence.py documents them), reports
every bad cell by row, file line and column, and returns the canonical table.
"""

from __future__ import annotations

import difflib
import math

import numpy as np
import pandas as pd

from foomcalc.parameters import PARAMETERS

MAX_PROBLEMS = 12
AI_SOFTWARE = "ai-software"
#: Domain of substitution estimates measured in AI research itself (compute vs labour).
AI_RESEARCH = "ai-research"
#: |sigma estimate| above this is a unit or sign mistake (published elasticities are < 10).
MAX_ELASTICITY = 50.0


def suggest(word: str, options: list[str]) -> str:
    """A ' Did you mean ...?' sentence for the closest option, or nothing."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f" Did you mean '{close[0]}'?" if close else ""


class Problems:
    """Collects problems; rows are reported 1-based with their file line."""

    def __init__(self, lines: list[int]):
        self.items: list[str] = []
        self.lines = lines

    def add(self, text: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(text)
        elif len(self.items) == MAX_PROBLEMS:
            self.items.append("(further problems not shown)")

    def at(self, i: int, column: str, text: str) -> None:
        line = f" (line {self.lines[i]})" if i < len(self.lines) else ""
        self.add(f"row {i + 1}{line}, column '{column}': {text}")


def _numbers(frame: pd.DataFrame, column: str, problems: Problems) -> np.ndarray:
    """Column as floats; blanks, NaN, text and infinities are reported."""
    out = np.full(len(frame), np.nan)
    for i, cell in enumerate(frame[column].astype(str)):
        cell = cell.strip()
        if cell == "" or cell.lower() in ("nan", "na", "null", "none"):
            problems.at(i, column, "missing value (blank or NaN); a number is expected.")
            continue
        try:
            value = float(cell)
        except ValueError:
            problems.at(i, column, f"'{cell}' is not a number.")
            continue
        if not math.isfinite(value):
            problems.at(i, column, f"{cell} is not a finite number.")
        else:
            out[i] = value
    return out


def _texts(frame: pd.DataFrame, column: str, problems: Problems) -> list[str]:
    values = [str(v).strip() for v in frame[column]]
    for i, v in enumerate(values):
        if not v:
            problems.at(i, column, "empty; text is expected.")
    return values


def _positive(values: np.ndarray, column: str, problems: Problems) -> None:
    for i, v in enumerate(values):
        if np.isfinite(v) and v <= 0:
            problems.at(i, column, f"{v:g} must be positive.")


def _check_interval(frame: pd.DataFrame, problems: Problems, prefix: str = "",
                    positive: bool = True) -> dict[str, np.ndarray]:
    """Numbers for (estimate, lower, upper) under `prefix`, plus `interval`."""
    names = ("estimate", "lower", "upper") if not prefix else (
        prefix, f"{prefix}_lower", f"{prefix}_upper")
    est, lo, hi = (_numbers(frame, n, problems) for n in names)
    if positive:
        for values, n in zip((est, lo, hi), names, strict=True):
            _positive(values, n, problems)
    for i in range(len(frame)):
        if np.isfinite(lo[i]) and np.isfinite(hi[i]) and lo[i] >= hi[i]:
            problems.at(i, names[1], f"lower {lo[i]:g} must be below upper {hi[i]:g}.")
        elif np.isfinite(est[i]) and np.isfinite(lo[i]) and not lo[i] <= est[i] <= hi[i]:
            problems.at(i, names[0], f"estimate {est[i]:g} lies outside [{lo[i]:g}, {hi[i]:g}].")
    return {names[0]: est, names[1]: lo, names[2]: hi}


def _check_level(frame: pd.DataFrame, problems: Problems) -> np.ndarray:
    level = _numbers(frame, "interval", problems)
    for i, v in enumerate(level):
        if np.isfinite(v) and not 0 < v < 1:
            hint = f" It looks like a percentage; write {v / 100:g}." if 1 < v < 100 else ""
            problems.at(i, "interval", f"{v:g} must be a probability in (0, 1), e.g. 0.9.{hint}")
    return level


def _scaling_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    cols = set(frame.columns)  # load_evidence has checked params, loss, tokens|compute
    params = _numbers(frame, "params", problems)
    loss = _numbers(frame, "loss", problems)
    if "tokens" in cols:
        tokens = _numbers(frame, "tokens", problems)
        scale_cols = (("params", params), ("tokens", tokens))
    else:
        compute = _numbers(frame, "compute", problems)
        tokens = compute / (6.0 * params)
        scale_cols = (("params", params), ("compute", compute))
    for name, values in scale_cols:
        for i, v in enumerate(values):
            if np.isfinite(v) and v <= 0:
                problems.at(i, name, f"{v:g} must be positive.")
            elif np.isfinite(v) and v < 1e3:
                problems.at(i, name, f"{v:g} is implausibly small: it looks like millions or "
                                     f"log10 units; give the raw count (e.g. 7e10, not 70).")
    for i, v in enumerate(loss):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "loss", f"{v:g} must be positive (loss in nats per token).")
        elif np.isfinite(v) and v > 20:
            problems.at(i, "loss", f"{v:g} is too large for a loss in nats per token; if it "
                                   f"is a perplexity, give ln(perplexity).")
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": loss})


def _decimal_year(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        stamp = pd.to_datetime(cell, format="ISO8601")
        start = pd.Timestamp(year=stamp.year, month=1, day=1)
        days = 366.0 if stamp.is_leap_year else 365.0
        return stamp.year + (stamp - start).total_seconds() / 86400.0 / days


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _years(frame: pd.DataFrame, column: str, problems: Problems) -> np.ndarray:
    """A date column (ISO date or decimal year) as decimal years, 1900-2200."""
    years = np.full(len(frame), np.nan)
    for i, cell in enumerate(frame[column].astype(str).str.strip()):
        try:
            years[i] = _decimal_year(cell)
        except (ValueError, TypeError, OverflowError):
            problems.at(i, column, f"'{cell}' is neither an ISO date (2023-03-14) nor a "
                                   f"decimal year (2023.2).")
            continue
        if not 1900 <= years[i] <= 2200:
            problems.at(i, column, f"{cell} is not a plausible year (1900-2200).")
    return years


def _unitless(frame: pd.DataFrame, column: str, unit_words: tuple[str, ...],
              advice: str, problems: Problems, need_digit: bool = False) -> np.ndarray:
    """A numeric column whose cells must not carry a unit ("95 days"): such cells are
    reported with `advice` and read as NaN; the rest as by `_numbers`."""
    with_unit = np.array([any(u in str(c).lower() for u in unit_words)
                          and (not need_digit or any(ch.isdigit() for ch in str(c)))
                          for c in frame[column]], dtype=bool)
    for i in np.flatnonzero(with_unit):
        problems.at(i, column, f"'{frame[column].iloc[i]}': {advice}")
    rest = frame.assign(**{column: np.where(with_unit, "1", frame[column])})
    return np.where(with_unit, np.nan, _numbers(rest, column, problems))


def _trend_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    years = _years(frame, "date", problems)
    flop = _numbers(frame, "training_flop", problems)
    for i, v in enumerate(flop):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "training_flop", f"{v:g} must be positive.")
        elif np.isfinite(v) and v < 1e6:
            problems.at(i, "training_flop", f"{v:g} looks like log10 FLOP; give FLOP "
                                            f"(e.g. 2e25, not 25.3).")
    notable = np.ones(len(frame), dtype=bool)
    if "notable" in frame.columns:
        for i, cell in enumerate(frame["notable"].astype(str).str.strip().str.lower()):
            if cell not in _TRUE | _FALSE:
                problems.at(i, "notable", f"'{cell}' is not true/false.")
            notable[i] = cell in _TRUE
    with np.errstate(invalid="ignore", divide="ignore"):
        log10 = np.log10(flop)
    table = pd.DataFrame({"year": years, "training_flop": flop, "log10_flop": log10,
                          "notable": notable})
    if "model" in frame.columns:
        table["model"] = frame["model"].astype(str).str.strip().to_numpy()
    return table


def _summary_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    names = _texts(frame, "parameter", problems)
    for i, n in enumerate(names):
        if n and n not in PARAMETERS:
            problems.at(i, "parameter", f"unknown parameter '{n}'."
                                        f"{suggest(n, list(PARAMETERS))}")
    positive = np.array([PARAMETERS[n].support in ("positive", "above_one")
                         if n in PARAMETERS else False for n in names], dtype=bool)
    nums = _check_interval(frame, problems, positive=False)
    for i, n in enumerate(names):
        values = [nums[k][i] for k in ("estimate", "lower", "upper")]
        if n not in PARAMETERS or not all(np.isfinite(values)):
            continue
        support = PARAMETERS[n].support
        if positive[i] and min(values) <= 0:
            problems.at(i, "lower", f"parameter '{n}' is positive; estimate and interval "
                                    f"must be > 0.")
        if support == "unit_interval" and not (min(values) >= 0 and max(values) <= 1):
            problems.at(i, "estimate", f"parameter '{n}' is a probability/fraction; values "
                                       f"must lie in [0, 1].")
    table = pd.DataFrame({"parameter": names, **nums,
                          "interval": _check_level(frame, problems),
                          "citation": _texts(frame, "citation", problems)})
    table["log_scale"] = positive
    return table


def _growth_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    eff = _check_interval(frame, problems, "efficiency_doubling_years")
    inp = _check_interval(frame, problems, "input_growth_per_year")
    for i, v in enumerate(inp["input_growth_per_year"]):
        if np.isfinite(v) and v > 3:
            problems.at(i, "input_growth_per_year", f"{v:g} means +{v * 100:g}%/yr; it looks "
                                                    f"like a percentage: give a fraction "
                                                    f"(0.1 = +10%/yr).")
    return pd.DataFrame({"domain": _texts(frame, "domain", problems), **eff, **inp,
                         "interval": _check_level(frame, problems),
                         "citation": _texts(frame, "citation", problems)})


def _returns_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    return pd.DataFrame({"domain": _texts(frame, "domain", problems),
                         **_check_interval(frame, problems),
                         "interval": _check_level(frame, problems),
                         "citation": _texts(frame, "citation", problems)})


def _substitution_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """substitution: study, domain, estimate (sigma; a published value <= 0 is kept and read
    as an upper bound, likelihoods_crux.add_substitution), se (> 0), citation."""
    est = _numbers(frame, "estimate", problems)
    se = _numbers(frame, "se", problems)
    _positive(se, "se", problems)
    for i, (v, s) in enumerate(zip(est, se, strict=True)):
        if np.isfinite(v) and np.isfinite(s) and s > 0 and v <= 0 and v + 1.96 * s <= 0:
            problems.at(i, "estimate", f"{v:g} with se {s:g} excludes every positive elasticity "
                                       f"(estimate + 1.96 se <= 0); check the sign and the se.")
        if np.isfinite(v) and abs(v) > MAX_ELASTICITY:
            problems.at(i, "estimate", f"{v:g} is not a plausible elasticity of substitution "
                                       f"(published values lie within +-{MAX_ELASTICITY:g}); "
                                       f"give sigma itself, not rho = 1 - 1/sigma or a percentage.")
    return pd.DataFrame({"study": _texts(frame, "study", problems),
                         "domain": _texts(frame, "domain", problems),
                         "estimate": est, "se": se,
                         "citation": _texts(frame, "citation", problems)})


def _observations_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    names = _texts(frame, "name", problems)
    lr = _numbers(frame, "likelihood_ratio", problems)
    _positive(lr, "likelihood_ratio", problems)
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            problems.at(i, "name", f"'{n}' repeats row {seen[n] + 1}; each observation once "
                                   f"(a repeat would count its likelihood ratio twice).")
        seen.setdefault(n, i)
    notes = [str(v).strip() for v in frame["note"]] if "note" in frame.columns else [""] * len(
        frame)
    return pd.DataFrame({"name": names, "likelihood_ratio": lr, "note": notes})


#: Longest plausible training run, hours (10 years); longer values are a unit mistake.
MAX_TRAINING_HOURS = 87_660.0


def _durations_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """training_durations: model, publication_date -> decimal year, training_hours (> 0)."""
    models = _texts(frame, "model", problems)
    years = _years(frame, "publication_date", problems)
    hours = _unitless(frame, "training_hours", ("day", "week", "month", "hour", "hr", "min", "sec"),
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
        flop = np.full(len(frame), np.nan)
        for i, cell in enumerate(frame["training_flop"].astype(str).str.strip()):
            if cell == "" or cell.lower() in ("nan", "na", "null", "none"):
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
        table["training_flop"] = flop
    return table


def _gap_builders() -> dict:
    from foomcalc.evidence.gap_kinds import game_table, horizons_table  # avoids an import cycle
    return {"time_horizons": horizons_table, "game_scaling": game_table}


BUILDERS = {
    "scaling": _scaling_table, "compute_trend": _trend_table, "growth_rates": _growth_table,
    "returns": _returns_table, "summary": _summary_table, "observations": _observations_table,
    "training_durations": _durations_table, "substitution": _substitution_table,
}
BUILDERS.update(_gap_builders())
