"""Evidence files: read, validate and type them (one CSV format that says its kind).

A file's first line may be ``# kind: <kind>``; otherwise the kind is inferred from
its columns. Other lines starting with ``#`` are comments. Column names are
matched case-insensitively, with spaces read as underscores. The kinds, their columns
and units are in `evidence.kinds` (one module per kind) and docs/evidence.md.

Every problem is reported as an InputError naming the file, row (and line) and
column; nothing here raises a traceback for bad input.

Limits (docs/evidence.md, "Limits"): a file's size and its rows are checked before it is
parsed (`MAX_MB`, `MAX_ROWS`); a scaling file with more points than `SCALING_POINTS` is
thinned to that many, evenly spaced in training compute (`thin_scaling`); any other kind
but observations takes at most `MAX_MODEL_ROWS` rows. Each limit is changed with its
environment variable, which its message names.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from foomcalc.errors import InputError
from foomcalc.evidence.cells import MAX_PROBLEMS, Problems, suggest
from foomcalc.evidence.kinds import KINDS
from foomcalc.evidence.kinds.observations import log_likelihood_ratio
from foomcalc.paths import evidence_dir


@dataclass(frozen=True)
class Limit:
    """A size limit of the input: its default, the environment variable that changes it
    (a positive whole number), and the unit it counts."""

    default: int
    env: str
    unit: str

    def value(self) -> int:
        """The limit in force: the environment variable's value, or the default."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value <= 0:
            raise InputError(f"{self.env}={raw!r}: expected a positive whole number of "
                             f"{self.unit} (default {self.default:,})")
        return value

    def how_to_change(self) -> str:
        return f"set {self.env} to raise it (docs/evidence.md, Limits)"


#: Size of an evidence file (and of an app upload), checked before reading it.
MAX_MB = Limit(50, "FOOMCALC_MAX_EVIDENCE_MB", "MB")
#: Data rows of an evidence file, counted before parsing.
MAX_ROWS = Limit(1_000_000, "FOOMCALC_MAX_EVIDENCE_ROWS", "rows")
#: Rows the likelihood of one scaling file uses: larger files are thinned (`thin_scaling`).
SCALING_POINTS = Limit(500, "FOOMCALC_MAX_SCALING_POINTS", "points")
#: Rows of one file of any other kind but observations (whose rows cost the sampler
#: nothing): each row adds to every gradient the sampler takes.
MAX_MODEL_ROWS = Limit(5_000, "FOOMCALC_MAX_MODEL_ROWS", "rows")
#: Kinds exempt from MAX_MODEL_ROWS: scaling (thinned instead), observations (one sum).
UNCAPPED_KINDS = ("scaling", "observations")


@dataclass(frozen=True)
class EvidenceSet:
    """One validated evidence file.

    `table` has the canonical columns of its kind (`evidence.kinds`, each module's
    docstring); `label` is the file's stem, which names its likelihood term's variables.
    """

    kind: str
    path: str
    sha256: str
    label: str
    table: pd.DataFrame
    #: Rows of the file when `table` holds a thinned subset of them (`thin_scaling`).
    thinned_from: int | None = None

    def describe(self) -> str:
        """One line for reports, e.g. 'scaling: 42 points from chinchilla.csv'."""
        kind = KINDS[self.kind]
        n = len(self.table)
        noun = kind.noun if n != 1 else kind.noun[:-1]
        text = f"{self.kind}: {n} {noun} from {Path(self.path).name}"
        if self.thinned_from:
            text += (f" (thinned from {self.thinned_from:,}: {THINNING_METHOD}; "
                     f"{SCALING_POINTS.env})")
        if kind.describe_extra is not None:
            text += kind.describe_extra(self.table)
        return text


def _read(path: Path) -> tuple[str | None, pd.DataFrame, list[int], bytes]:
    """Declared kind, raw string table, file line of each data row, file bytes."""
    try:
        if not path.exists():
            raise InputError("file not found.", path)
        if not path.is_file():
            raise InputError("not a file.", path)
        size, max_mb = path.stat().st_size, MAX_MB.value()
        if size > max_mb * 2**20:
            raise InputError(f"file is {size / 2**20:,.1f} MB; evidence files are limited to "
                             f"{max_mb:,} MB ({MAX_MB.how_to_change()}). Summarise or "
                             "subsample it first.", path)
        raw = path.read_bytes()
    except OSError as exc:  # e.g. a name too long for the file system, no permission
        raise InputError(f"cannot read the file ({exc.strerror}).", str(path)[:200]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start}).", path) from None
    declared, kept, lines = None, [], []  # type: ignore[var-annotated]
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
    max_rows = MAX_ROWS.value()
    if len(kept) - 1 > max_rows:  # before parsing (a quoted cell may span lines: recounted)
        _too_many_rows(len(kept) - 1, max_rows, path)
    try:
        frame = pd.read_csv(io.StringIO("\n".join(kept)), dtype=str, keep_default_na=False,
                            nrows=max_rows + 1, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse as CSV: {str(exc).strip()}", path) from None
    if len(frame) > max_rows:
        _too_many_rows(len(frame), max_rows, path)
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    return declared, frame, lines[1:], raw


def _too_many_rows(n_rows: int, max_rows: int, path: Path) -> None:
    raise InputError(f"more than {max_rows:,} rows ({n_rows:,}); evidence files are limited to "
                     f"{max_rows:,} rows ({MAX_ROWS.how_to_change()}).", path)


def _infer_kind(declared: str | None, columns: list[str], path: Path) -> str:
    if declared is not None:
        if declared not in KINDS:
            raise InputError(f"unknown kind '{declared}' in the '# kind:' line."
                             f"{suggest(declared, list(KINDS))} Known kinds: "
                             f"{', '.join(KINDS)}.", path)
        return declared
    for kind in KINDS.values():
        if kind.matches_alternative(columns):
            return kind.name
    present = set(columns)
    matches = [k for k, kind in KINDS.items() if set(kind.columns) <= present]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{k}: {', '.join(kind.columns)}" for k, kind in KINDS.items())
    raise InputError(f"cannot tell the evidence kind from the columns {columns}. Add a first "
                     f"line '# kind: <kind>' or use the columns of one kind ({expected}).", path)


def load_evidence(path: str | Path) -> EvidenceSet:
    """Read and validate one evidence file; raises InputError naming file, row and column."""
    path = Path(path)
    declared, frame, lines, raw = _read(path)
    kind = _infer_kind(declared, list(frame.columns), path)
    spec = KINDS[kind]
    missing = [c for c in spec.required_columns(list(frame.columns)) if c not in frame.columns]
    if missing:
        hint = "".join(suggest(m, list(frame.columns)) for m in missing[:1]) + spec.missing_hint
        raise InputError(f"{kind} file is missing column(s) {', '.join(missing)}; it has "
                         f"{', '.join(frame.columns)}.{hint}", path)
    if frame.empty:
        raise InputError("empty file: a header but no data rows.", path)
    problems = Problems(lines)
    # identical rows found by one groupby (linear in the rows, not a pairwise search)
    group = frame.groupby(list(frame.columns), dropna=False, sort=False).ngroup().to_numpy()
    first_of = pd.Series(np.arange(len(frame))).groupby(group).transform("min").to_numpy()
    for i in np.flatnonzero(first_of != np.arange(len(frame)))[:MAX_PROBLEMS + 1]:
        first = int(first_of[i])
        problems.add(f"row {i + 1} (line {lines[i]}) duplicates row {first + 1}; remove "
                     f"one copy (duplicates would count twice).{spec.duplicate_hint}")
    table = spec.build(frame, problems)
    if problems.items:
        raise InputError(problems.items, path)
    max_rows = MAX_MODEL_ROWS.value()
    if kind not in UNCAPPED_KINDS and len(table) > max_rows:
        raise InputError(f"{len(table):,} rows; the likelihood of a {kind} file takes at most "
                         f"{max_rows:,} (each row adds to every step of the sampler): keep the "
                         f"rows that inform it, or {MAX_MODEL_ROWS.how_to_change()}.", path)
    thinned = thin_scaling(table, SCALING_POINTS.value()) if kind == "scaling" else table
    return EvidenceSet(kind=kind, path=str(path), sha256=hashlib.sha256(raw).hexdigest(),
                       label=path.stem, table=thinned.reset_index(drop=True),
                       thinned_from=len(table) if len(thinned) < len(table) else None)


#: How `thin_scaling` chooses the points it keeps (shown where a file was thinned).
THINNING_METHOD = "points evenly spaced in rank of training compute 6ND"


def thin_scaling(table: pd.DataFrame, n_points: int) -> pd.DataFrame:
    """At most `n_points` rows of a canonical scaling table: the rows sorted by training
    compute C = 6ND (ties by params, tokens, loss, so the result does not depend on the
    file's row order), then those at `n_points` evenly spaced ranks from the first to
    the last, so the kept points span the file's whole compute range. A subset of
    independent observations is still a valid likelihood, only a less precise one."""
    if len(table) <= n_points:
        return table
    keys = pd.DataFrame({"log_compute": np.log(table["params"]) + np.log(table["tokens"]),
                         "params": table["params"], "tokens": table["tokens"],
                         "loss": table["loss"]})
    order = np.lexsort([keys[c].to_numpy() for c in reversed(keys.columns)])
    ranks = np.unique(np.round(np.linspace(0, len(table) - 1, n_points)).astype(int))
    return table.iloc[np.sort(order[ranks])]


def copy_name(e: EvidenceSet) -> str:
    """The file name of an evidence file's copy in a report folder: the first 8 hex digits
    of its sha256, then its name with every character but letters, digits, '.', '_' and
    '-' replaced by '_' (no newline, '$(...)' or path separators reach the folder)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(e.path).name)[:120].lstrip(".") or "evidence"
    return f"{e.sha256[:8]}-{safe}"


def bundled_evidence() -> list[EvidenceSet]:
    """Every curated evidence file in data/evidence/, sorted by file name."""
    folder = evidence_dir()
    return [load_evidence(p) for p in sorted(folder.glob("*.csv"))] if folder.is_dir() else []


def total_likelihood_ratio(evidence: list[EvidenceSet]) -> float:
    """Product of the likelihood ratios of all observations (1.0 if there are none)."""
    logs = [log_likelihood_ratio(e.table) for e in evidence if e.kind == "observations"]
    return float(np.exp(np.sum(logs))) if logs else 1.0


def parameters_informed(evidence: list[EvidenceSet]) -> set[str]:
    """Registry parameter names whose likelihood the evidence touches."""
    out: set[str] = set()
    for e in evidence:
        out |= KINDS[e.kind].informs(e.table)
    return out
