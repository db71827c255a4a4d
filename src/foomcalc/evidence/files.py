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
- ``substitution``: study, domain, estimate, se, citation (published elasticities of
  substitution sigma between research labour and compute, se on the same linear scale;
  domain ``ai-research`` measures AI research itself, any other domain, e.g.
  ``capital-labour``, is a distant one with a wider spread; docs/evidence.md).
- ``observations``: name, likelihood_ratio (P(obs | RSI feasible) / P(obs | not)),
  optional note.
- ``training_durations``: model, publication_date (ISO date or decimal year),
  training_hours (wall-clock hours of the final training run), optional
  training_flop (FLOP). A robust time trend of log duration; its value at
  `automation_year` is retrain_months (docs/evidence.md).
- ``time_horizons``: model, release_date, horizon_minutes (METR 50% time horizon, minutes),
  optional domain; ``game_scaling``: train_flop (FLOP), elo, optional board_size
  (evidence_gap.py; they inform horizon_doubling_months and elo_per_oom).

``interval`` is the central probability of [lower, upper] (0.9 = a 90% interval).
Every problem is reported as an InputError naming the file, row (and line) and
column; nothing here raises a traceback for bad input.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from foomcalc.errors import InputError
from foomcalc.evidence.cells import AI_SOFTWARE, BUILDERS, MAX_PROBLEMS, Problems, suggest
from foomcalc.paths import evidence_dir

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2_000_000

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
    "training_durations": ("model", "publication_date", "training_hours"),
    "time_horizons": ("model", "release_date", "horizon_minutes"),
    "game_scaling": ("train_flop", "elo"),
    "substitution": ("study", "domain", "estimate", "se", "citation"),
}
_NOUNS = {
    "scaling": "points", "compute_trend": "models", "growth_rates": "domains",
    "returns": "estimates", "summary": "published estimates", "observations": "observations",
    "training_durations": "training runs",
    "time_horizons": "models", "game_scaling": "points", "substitution": "estimates",
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
                             f"{suggest(declared, list(KINDS))} Known kinds: "
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
        hint = "".join(suggest(m, list(frame.columns)) for m in missing[:1])
        if kind == "scaling":
            hint += (" Scaling needs params, tokens, loss (or params, compute, loss, with tokens "
                     "= compute/(6 params)); compute-only data cannot separate the exponents "
                     "a and b.")
        raise InputError(f"{kind} file is missing column(s) {', '.join(missing)}; it has "
                         f"{', '.join(frame.columns)}.{hint}", path)
    if frame.empty:
        raise InputError("empty file: a header but no data rows.", path)
    problems = Problems(lines)
    # linear: group identical rows once (a pairwise search was quadratic, issue 14)
    group = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    first_of = pd.Series(np.arange(len(frame))).groupby(group).transform("min").to_numpy()
    for i in np.flatnonzero(first_of != np.arange(len(frame)))[:MAX_PROBLEMS + 1]:
        first = int(first_of[i])
        hint = (" If they are different models, add a 'model' column naming them."
                if kind == "compute_trend" else "")
        problems.add(f"row {i + 1} (line {lines[i]}) duplicates row {first + 1}; remove "
                     f"one copy (duplicates would count twice).{hint}")
    table = BUILDERS[kind](frame, problems)
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
        elif e.kind == "training_durations":
            out |= {"retrain_months", "automation_year"}
        elif e.kind == "time_horizons":
            out.add("horizon_doubling_months")
        elif e.kind == "game_scaling":
            out.add("elo_per_oom")
        elif e.kind == "substitution":
            out.add("substitution_elasticity")
    return out
