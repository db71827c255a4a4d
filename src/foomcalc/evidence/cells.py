"""Cell checks shared by the evidence kinds: raw string cells -> typed columns.

Each function reads one column (or a group: an interval) of a raw table of strings
(`files.load_evidence` reads every cell as text), reports every bad cell to a
`Problems` by row, file line and column, and returns the column as numbers or text.
A kind's `build` (evidence/kinds/) combines them into its canonical table.
"""

from __future__ import annotations

import difflib
import math

import numpy as np
import pandas as pd

#: At most this many problems are listed per file; the rest are summarised in one line.
MAX_PROBLEMS = 12
#: Cells read as true / false in a yes-no column (lower case, stripped).
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", ""})
#: Cells read as a missing number.
MISSING_WORDS = ("nan", "na", "null", "none")


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


def numbers(frame: pd.DataFrame, column: str, problems: Problems) -> np.ndarray:
    """Column as floats; blanks, NaN, text and infinities are reported.

    Vectorised for large files: pandas parses every cell at once, and only the cells it
    reads as non-finite or zero go through Python's float() one by one (which also takes
    '1_000' and keeps the sign of '-0'), so the result is float()'s for every cell."""
    cells = frame[column].astype(str).str.strip()
    out = np.array(pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    for i in map(int, np.flatnonzero(~np.isfinite(out) | (out == 0))):
        out[i] = _number(cells.iat[i], i, column, problems)
    return out


def _number(cell: str, i: int, column: str, problems: Problems) -> float:
    """One cell as a finite float, or NaN with its problem reported."""
    if cell == "" or cell.lower() in MISSING_WORDS:
        problems.at(i, column, "missing value (blank or NaN); a number is expected.")
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        problems.at(i, column, f"'{cell}' is not a number.")
        return math.nan
    if not math.isfinite(value):
        problems.at(i, column, f"{cell} is not a finite number.")
        return math.nan
    return value


def texts(frame: pd.DataFrame, column: str, problems: Problems) -> list[str]:
    """Column as stripped text; empty cells are reported."""
    values = [str(v).strip() for v in frame[column]]
    for i, v in enumerate(values):
        if not v:
            problems.at(i, column, "empty; text is expected.")
    return values


def check_positive(values: np.ndarray, column: str, problems: Problems) -> None:
    """Report every finite value <= 0."""
    for i, v in enumerate(values):
        if np.isfinite(v) and v <= 0:
            problems.at(i, column, f"{v:g} must be positive.")


def check_interval(frame: pd.DataFrame, problems: Problems, prefix: str = "",
                   positive: bool = True) -> dict[str, np.ndarray]:
    """Numbers for (estimate, lower, upper), or (prefix, prefix_lower, prefix_upper);
    lower < upper and the estimate inside [lower, upper] are checked."""
    names = ("estimate", "lower", "upper") if not prefix else (
        prefix, f"{prefix}_lower", f"{prefix}_upper")
    est, lo, hi = (numbers(frame, n, problems) for n in names)
    if positive:
        for values, n in zip((est, lo, hi), names, strict=True):
            check_positive(values, n, problems)
    for i in range(len(frame)):
        if np.isfinite(lo[i]) and np.isfinite(hi[i]) and lo[i] >= hi[i]:
            problems.at(i, names[1], f"lower {lo[i]:g} must be below upper {hi[i]:g}.")
        elif np.isfinite(est[i]) and np.isfinite(lo[i]) and not lo[i] <= est[i] <= hi[i]:
            problems.at(i, names[0], f"estimate {est[i]:g} lies outside [{lo[i]:g}, {hi[i]:g}].")
    return {names[0]: est, names[1]: lo, names[2]: hi}


def check_level(frame: pd.DataFrame, problems: Problems) -> np.ndarray:
    """The `interval` column: the central probability of [lower, upper], in (0, 1)."""
    level = numbers(frame, "interval", problems)
    for i, v in enumerate(level):
        if np.isfinite(v) and not 0 < v < 1:
            hint = f" It looks like a percentage; write {v / 100:g}." if 1 < v < 100 else ""
            problems.at(i, "interval", f"{v:g} must be a probability in (0, 1), e.g. 0.9.{hint}")
    return level


def decimal_year(cell: str) -> float:
    """A decimal year (2023.2) as is, or an ISO date (2023-03-14) as a decimal year."""
    try:
        return float(cell)
    except ValueError:
        stamp = pd.to_datetime(cell, format="ISO8601")
        start = pd.Timestamp(year=stamp.year, month=1, day=1)
        days = 366.0 if stamp.is_leap_year else 365.0
        return stamp.year + (stamp - start).total_seconds() / 86400.0 / days


def years(frame: pd.DataFrame, column: str, problems: Problems) -> np.ndarray:
    """A date column (ISO date or decimal year) as decimal years, 1900-2200."""
    out = np.full(len(frame), np.nan)
    for i, cell in enumerate(frame[column].astype(str).str.strip()):
        try:
            out[i] = decimal_year(cell)
        except (ValueError, TypeError, OverflowError):
            problems.at(i, column, f"'{cell}' is neither an ISO date (2023-03-14) nor a "
                                   f"decimal year (2023.2).")
            continue
        if not 1900 <= out[i] <= 2200:
            problems.at(i, column, f"{cell} is not a plausible year (1900-2200).")
    return out


def unitless(frame: pd.DataFrame, column: str, unit_words: tuple[str, ...],
             advice: str, problems: Problems, need_digit: bool = False) -> np.ndarray:
    """A numeric column whose cells must not carry a unit ("95 days"): such cells are
    reported with `advice` and read as NaN; the rest as by `numbers`."""
    with_unit = np.array([any(u in str(c).lower() for u in unit_words)
                          and (not need_digit or any(ch.isdigit() for ch in str(c)))
                          for c in frame[column]], dtype=bool)
    for i in np.flatnonzero(with_unit):
        problems.at(i, column, f"'{frame[column].iloc[i]}': {advice}")  # type: ignore[arg-type]
    rest = frame.assign(**{column: np.where(with_unit, "1", frame[column])})
    return np.where(with_unit, np.nan, numbers(rest, column, problems))
