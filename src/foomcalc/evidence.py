"""Evidence files: read, validate and type them (one CSV format that says its kind).

A file's first line may be ``# kind: <kind>``; otherwise the kind is inferred from
its columns. Other lines starting with ``#`` are comments. Column names are
matched case-insensitively, with spaces read as underscores. Kinds (units in the
column names or here):

- ``scaling``: params (N, parameters), tokens (D), loss (nats/token); or params,
  compute (training FLOP), loss, with tokens = compute / (6 * params) (C = 6ND,
  Hoffmann et al. 2022; Besiroglu et al. 2024 derive Chinchilla tokens this way).
  Compute-only files (compute, loss) are refused: without N and D the two
  exponents a and b are not separately identified.
- ``compute_trend``: date (ISO date or decimal year), training_flop (FLOP, not
  log10), optional notable (true/false), optional model (name; tells apart
  different models with the same date and compute). If any row is notable, the
  likelihood uses only the notable rows.
- ``growth_rates``: domain, efficiency_doubling_years (+ _lower, _upper),
  input_growth_per_year (annual growth fraction of research input, 0.1 = +10%/yr;
  + _lower, _upper), interval, citation.
- ``returns``: domain, estimate, lower, upper, interval, citation (r; domain
  ``ai-software`` is a direct estimate of AI-software r).
- ``summary``: parameter (a registry name), estimate, lower, upper, interval, citation.
- ``observations``: name, likelihood_ratio (P(obs | RSI feasible) / P(obs | not)),
  optional note.

``interval`` is the central probability of [lower, upper] (0.9 = a 90% interval).
Every problem is reported as an InputError naming the file, row (and line) and
column; nothing here raises a traceback for bad input.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from foomcalc.errors import InputError
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import evidence_dir

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_PROBLEMS = 12
AI_SOFTWARE = "ai-software"

_INTERVAL = ("estimate", "lower", "upper", "interval", "citation")
_GROWTH = (
    "domain", "efficiency_doubling_years", "efficiency_doubling_years_lower",
    "efficiency_doubling_years_upper", "input_growth_per_year",
    "input_growth_per_year_lower", "input_growth_per_year_upper", "interval", "citation",
)
#: kind -> required columns (alternatives are handled in _scaling_table).
KINDS: dict[str, tuple[str, ...]] = {
    "scaling": ("params", "tokens", "loss"),
    "compute_trend": ("date", "training_flop"),
    "growth_rates": _GROWTH,
    "returns": ("domain", *_INTERVAL),
    "summary": ("parameter", *_INTERVAL),
    "observations": ("name", "likelihood_ratio"),
}
_NOUNS = {
    "scaling": "points", "compute_trend": "models", "growth_rates": "domains",
    "returns": "estimates", "summary": "published estimates", "observations": "observations",
}


@dataclass(frozen=True)
class EvidenceSet:
    """One validated evidence file.

    `table` has canonical columns: scaling (params, tokens, loss); compute_trend
    (year [decimal], training_flop, log10_flop, notable); returns/summary/
    growth_rates/observations as in the module docstring (numbers as floats).
    """

    kind: str
    path: str
    sha256: str
    label: str
    table: pd.DataFrame

    def describe(self) -> str:
        """One line for reports, e.g. 'scaling: 42 points from chinchilla.csv'."""
        n = len(self.table)
        noun = _NOUNS[self.kind] if n != 1 else _NOUNS[self.kind][:-1]
        text = f"{self.kind}: {n} {noun} from {Path(self.path).name}"
        if self.kind == "observations":
            text += f" (likelihood ratio {total_likelihood_ratio([self]):.3g})"
        return text


class _Problems:
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


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f" Did you mean '{close[0]}'?" if close else ""


def _read(path: Path) -> tuple[str | None, pd.DataFrame, list[int], bytes]:
    """Declared kind, raw string table, file line of each data row, file bytes."""
    if not path.exists():
        raise InputError("file not found.", path)
    if not path.is_file():
        raise InputError("not a file.", path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"file is {size / 1e6:.0f} MB; evidence files are limited to "
                         f"{MAX_BYTES // 2**20} MB. Summarise or subsample it first.", path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start}).", path) from None
    declared, kept, lines = None, [], []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            if body.lower().startswith("kind:") and declared is None and not kept:
                declared = body.split(":", 1)[1].strip().lower()
            continue
        if stripped:
            kept.append(line)
            lines.append(number)
    if not kept:
        raise InputError("empty file: no header and no data rows.", path)
    try:
        frame = pd.read_csv(io.StringIO("\n".join(kept)), dtype=str, keep_default_na=False,
                            nrows=MAX_ROWS + 1, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse as CSV: {str(exc).strip()}", path) from None
    if len(frame) > MAX_ROWS:
        raise InputError(f"more than {MAX_ROWS:,} rows; evidence files are limited to "
                         f"{MAX_ROWS:,} rows.", path)
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    return declared, frame, lines[1:], raw


def _infer_kind(declared: str | None, columns: list[str], path: Path) -> str:
    if declared is not None:
        if declared not in KINDS:
            raise InputError(f"unknown kind '{declared}' in the '# kind:' line."
                             f"{_did_you_mean(declared, list(KINDS))} Known kinds: "
                             f"{', '.join(KINDS)}.", path)
        return declared
    present = set(columns)
    if {"params", "compute", "loss"} <= present:
        return "scaling"
    matches = [k for k, req in KINDS.items() if set(req) <= present]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{k}: {', '.join(req)}" for k, req in KINDS.items())
    raise InputError(f"cannot tell the evidence kind from the columns {columns}. Add a first "
                     f"line '# kind: <kind>' or use the columns of one kind ({expected}).", path)


def _numbers(frame: pd.DataFrame, column: str, problems: _Problems) -> np.ndarray:
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


def _texts(frame: pd.DataFrame, column: str, problems: _Problems) -> list[str]:
    values = [str(v).strip() for v in frame[column]]
    for i, v in enumerate(values):
        if not v:
            problems.at(i, column, "empty; text is expected.")
    return values


def _positive(values: np.ndarray, column: str, problems: _Problems) -> None:
    for i, v in enumerate(values):
        if np.isfinite(v) and v <= 0:
            problems.at(i, column, f"{v:g} must be positive.")


def _check_interval(frame: pd.DataFrame, problems: _Problems, prefix: str = "",
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


def _check_level(frame: pd.DataFrame, problems: _Problems) -> np.ndarray:
    level = _numbers(frame, "interval", problems)
    for i, v in enumerate(level):
        if np.isfinite(v) and not 0 < v < 1:
            hint = f" It looks like a percentage; write {v / 100:g}." if 1 < v < 100 else ""
            problems.at(i, "interval", f"{v:g} must be a probability in (0, 1), e.g. 0.9.{hint}")
    return level


def _scaling_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
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


def _trend_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    years = np.full(len(frame), np.nan)
    for i, cell in enumerate(frame["date"].astype(str).str.strip()):
        try:
            years[i] = _decimal_year(cell)
        except (ValueError, TypeError, OverflowError):
            problems.at(i, "date", f"'{cell}' is neither an ISO date (2023-03-14) nor a "
                                   f"decimal year (2023.2).")
            continue
        if not 1900 <= years[i] <= 2200:
            problems.at(i, "date", f"{cell} is not a plausible year (1900-2200).")
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


def _summary_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    names = _texts(frame, "parameter", problems)
    for i, n in enumerate(names):
        if n and n not in PARAMETERS:
            problems.at(i, "parameter", f"unknown parameter '{n}'."
                                        f"{_did_you_mean(n, list(PARAMETERS))}")
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


def _growth_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
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


def _returns_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    return pd.DataFrame({"domain": _texts(frame, "domain", problems),
                         **_check_interval(frame, problems),
                         "interval": _check_level(frame, problems),
                         "citation": _texts(frame, "citation", problems)})


def _observations_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
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


_BUILDERS = {
    "scaling": _scaling_table, "compute_trend": _trend_table, "growth_rates": _growth_table,
    "returns": _returns_table, "summary": _summary_table, "observations": _observations_table,
}


def load_evidence(path: str | Path) -> EvidenceSet:
    """Read and validate one evidence file; raises InputError naming file, row and column."""
    path = Path(path)
    declared, frame, lines, raw = _read(path)
    kind = _infer_kind(declared, list(frame.columns), path)
    required = KINDS[kind]
    if kind == "scaling" and "compute" in frame.columns:
        required = ("params", "compute", "loss")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        hint = "".join(_did_you_mean(m, list(frame.columns)) for m in missing[:1])
        if kind == "scaling":
            hint += (" Scaling needs params, tokens, loss (or params, compute, loss, with tokens "
                     "= compute/(6 params)); compute-only data cannot separate the exponents "
                     "a and b.")
        raise InputError(f"{kind} file is missing column(s) {', '.join(missing)}; it has "
                         f"{', '.join(frame.columns)}.{hint}", path)
    if frame.empty:
        raise InputError("empty file: a header but no data rows.", path)
    problems = _Problems(lines)
    dupes = frame.duplicated(keep="first")
    for i in np.flatnonzero(dupes.to_numpy()):
        first = int(np.flatnonzero((frame == frame.iloc[i]).all(axis=1).to_numpy())[0])
        hint = (" If they are different models, add a 'model' column naming them."
                if kind == "compute_trend" else "")
        problems.add(f"row {i + 1} (line {lines[i]}) duplicates row {first + 1}; remove "
                     f"one copy (duplicates would count twice).{hint}")
    table = _BUILDERS[kind](frame, problems)
    if problems.items:
        raise InputError(problems.items, path)
    return EvidenceSet(kind=kind, path=str(path), sha256=hashlib.sha256(raw).hexdigest(),
                       label=path.stem, table=table.reset_index(drop=True))


def bundled_evidence() -> list[EvidenceSet]:
    """Every curated evidence file in data/evidence/, sorted by file name."""
    folder = evidence_dir()
    return [load_evidence(p) for p in sorted(folder.glob("*.csv"))] if folder.is_dir() else []


def total_likelihood_ratio(evidence: list[EvidenceSet]) -> float:
    """Product of the likelihood ratios of all observations (1.0 if there are none)."""
    logs = [np.log(e.table["likelihood_ratio"].to_numpy()).sum()
            for e in evidence if e.kind == "observations"]
    return float(np.exp(np.sum(logs))) if logs else 1.0


def parameters_informed(evidence: list[EvidenceSet]) -> set[str]:
    """Registry parameter names whose likelihood the evidence touches."""
    out: set[str] = set()
    for e in evidence:
        if e.kind == "scaling":
            out |= {"scaling_a", "scaling_b", "scaling_E", "scaling_A", "scaling_B"}
        elif e.kind == "compute_trend":
            out.add("compute_growth_per_year")
        elif e.kind in ("returns", "growth_rates"):
            out.add("returns_r")
            if (e.table["domain"] != AI_SOFTWARE).any():
                out.add("returns_tau")
            if e.kind == "growth_rates" and (e.table["domain"] == AI_SOFTWARE).any():
                out.add("software_doubling_months")
        elif e.kind == "summary":
            out |= set(e.table["parameter"])
        elif e.kind == "observations":
            out.add("p_rsi_feasible")
    return out
