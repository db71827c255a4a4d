"""``compute_equivalent_gains``: measured compute-equivalent gains (CEG) of enhancements
applied without new pre-training (post-training enhancements, test-time compute).

Columns: study, enhancement, ceg (the factor by which pre-training compute would have to
grow to match the enhancement's benchmark gain; a multiplier, 10 = 10x), lower, upper (the
same multiplier), interval (the central probability of [lower, upper]), citation.
Davidson, Denain, Villalobos & Bas (2023) define the CEG. Canonical table: the same
columns plus log10_ceg, log10_lower, log10_upper (OOMs of training compute).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind
from foomcalc.evidence.kinds.compute_shares import value_with_interval

#: A CEG above this is a FLOP count or a percentage, not a multiplier.
MAX_CEG = 1e6


def gains_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """study, enhancement, ceg, lower, upper (multipliers > 0, at most MAX_CEG), interval,
    citation; their log10 (OOMs of training compute)."""
    nums = value_with_interval(frame, "ceg", problems)
    for column, values in nums.items():
        cells.check_positive(values, column, problems)
        for i, v in enumerate(values):
            if np.isfinite(v) and v > MAX_CEG:
                problems.at(i, column, f"{v:g} is not a plausible compute-equivalent gain (a "
                                       f"multiplier of training compute, at most {MAX_CEG:g}); "
                                       f"give the factor, e.g. 10 for 10x, not a FLOP count.")
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = {k: np.log10(v) for k, v in nums.items()}
    return pd.DataFrame({"study": cells.texts(frame, "study", problems),
                         "enhancement": cells.texts(frame, "enhancement", problems),
                         **nums,
                         "interval": cells.check_level(frame, problems),
                         "citation": cells.texts(frame, "citation", problems),
                         "log10_ceg": logs["ceg"], "log10_lower": logs["lower"],
                         "log10_upper": logs["upper"]})


def informs(table: pd.DataFrame) -> set[str]:
    """The overhang usable at once at automation."""
    return {"instant_jump_ooms"}


def sbc_design() -> pd.DataFrame:
    """Five enhancements, 90% intervals of 0.3-0.6 OOM half-width (like the bundled file)."""
    ceg = np.array([10.0, 10.0, 1.2, 3.7, 5.0])
    half = np.array([0.5, 0.3, 0.2, 0.57, 0.4])
    table = pd.DataFrame({"study": list("abcde"), "enhancement": list("vwxyz"), "ceg": ceg,
                          "lower": ceg / 10 ** half, "upper": ceg * 10 ** half,
                          "interval": np.full(5, 0.9), "citation": ["sbc design"] * 5})
    for column, log_column in (("ceg", "log10_ceg"), ("lower", "log10_lower"),
                               ("upper", "log10_upper")):
        table[log_column] = np.log10(table[column])
    return table


KIND = EvidenceKind(
    name="compute_equivalent_gains",
    doc="compute-equivalent gains (multipliers of training compute) of enhancements usable "
        "without new pre-training: study, enhancement, ceg, lower, upper, interval, citation",
    columns=("study", "enhancement", "ceg", "lower", "upper", "interval", "citation"),
    noun="gains",
    build=gains_table,
    informs=informs,
    sbc_title="compute-equivalent gains",
    sbc_design=sbc_design,
)
