"""``compute_shares``: published shares of compute in AI research (R&D) spending.

Columns: source, compute_share (a fraction in (0, 1): compute's share of the spending on
research compute and research staff), lower, upper (the same fraction), interval (the
central probability of [lower, upper]), citation. Under the simulator's CES research input,
normalised to today's labour and compute, a cost-minimising lab's compute share of
spending *is* the CES weight `compute_share` (docs/simulator.md). Canonical table: the
same columns, numbers as floats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind


def value_with_interval(frame: pd.DataFrame, column: str, problems: Problems
                        ) -> dict[str, np.ndarray]:
    """Numbers of `column`, `lower` and `upper`, each problem named by the file's column;
    lower < upper and the value inside [lower, upper] are checked."""
    out = {c: cells.numbers(frame, c, problems) for c in (column, "lower", "upper")}
    est, lo, hi = out[column], out["lower"], out["upper"]
    for i in range(len(frame)):
        if np.isfinite(lo[i]) and np.isfinite(hi[i]) and lo[i] >= hi[i]:
            problems.at(i, "lower", f"lower {lo[i]:g} must be below upper {hi[i]:g}.")
        elif np.isfinite(est[i]) and np.isfinite(lo[i]) and not lo[i] <= est[i] <= hi[i]:
            problems.at(i, column, f"{est[i]:g} lies outside [{lo[i]:g}, {hi[i]:g}].")
    return out


def shares_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """source, compute_share, lower, upper (fractions in [0, 1], lower < upper, the share
    inside), interval (in (0, 1)), citation."""
    nums = value_with_interval(frame, "compute_share", problems)
    for column, values in nums.items():
        for i, v in enumerate(values):
            if np.isfinite(v) and not 0 <= v <= 1:
                hint = f" It looks like a percentage; write {v / 100:g}." if 1 < v <= 100 else ""
                problems.at(i, column, f"{v:g} must be a fraction in [0, 1].{hint}")
    return pd.DataFrame({"source": cells.texts(frame, "source", problems), **nums,
                         "interval": cells.check_level(frame, problems),
                         "citation": cells.texts(frame, "citation", problems)})


def informs(table: pd.DataFrame) -> set[str]:
    """Compute's share of research input before automation."""
    return {"compute_share"}


def sbc_design() -> pd.DataFrame:
    """Three sources with 90% intervals of half-width 0.08-0.15 (like the bundled file)."""
    return pd.DataFrame({"source": ["a", "b", "c"], "compute_share": [0.6, 0.65, 0.55],
                         "lower": [0.5, 0.5, 0.47], "upper": [0.7, 0.8, 0.63],
                         "interval": [0.9, 0.9, 0.9], "citation": ["sbc design"] * 3})


KIND = EvidenceKind(
    name="compute_shares",
    doc="published shares of compute in AI R&D spending (fractions): source, compute_share, "
        "lower, upper, interval, citation",
    columns=("source", "compute_share", "lower", "upper", "interval", "citation"),
    noun="shares",
    build=shares_table,
    informs=informs,
    sbc_title="compute share of R&D spending",
    sbc_design=sbc_design,
)
