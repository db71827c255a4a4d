"""Evidence files: read, validate and type them (one CSV format that says its kind).

A file's first line may be ``# kind: <kind>``; otherwise the kind is inferred from
its columns. Other lines starting with ``#`` are comments. Column names are
matched case-insensitively, with spaces read as underscores. The kinds, their columns
and units are in `evidence.kinds` (one module per kind) and docs/evidence.md.

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
from foomcalc.evidence.cells import MAX_PROBLEMS, Problems, suggest
from foomcalc.evidence.kinds import KINDS
from foomcalc.evidence.kinds.observations import log_likelihood_ratio
from foomcalc.paths import evidence_dir

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2_000_000


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

    def describe(self) -> str:
        """One line for reports, e.g. 'scaling: 42 points from chinchilla.csv'."""
        kind = KINDS[self.kind]
        n = len(self.table)
        noun = kind.noun if n != 1 else kind.noun[:-1]
        text = f"{self.kind}: {n} {noun} from {Path(self.path).name}"
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
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"file is {size / 1e6:.0f} MB; evidence files are limited to "
                             f"{MAX_BYTES // 2**20} MB. Summarise or subsample it first.", path)
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
    return EvidenceSet(kind=kind, path=str(path), sha256=hashlib.sha256(raw).hexdigest(),
                       label=path.stem, table=table.reset_index(drop=True))


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
