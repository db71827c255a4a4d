"""``observations``: likelihood ratios of observed events on RSI feasibility.

Columns: name, likelihood_ratio (P(observation | RSI feasible) / P(observation | not),
> 0), optional note. Each observation once: a repeat would count its ratio twice.
Canonical table: name, likelihood_ratio, note ("" where not given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind

#: The calibration's simulated binary signals, one per design row:
#: (P(signal | RSI feasible), P(signal | not feasible)).
SBC_SIGNALS = ((0.8, 0.3), (0.4, 0.7), (0.9, 0.6), (0.2, 0.5))


def observations_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """Non-empty, distinct names; positive likelihood ratios."""
    names = cells.texts(frame, "name", problems)
    lr = cells.numbers(frame, "likelihood_ratio", problems)
    cells.check_positive(lr, "likelihood_ratio", problems)
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            problems.at(i, "name", f"'{n}' repeats row {seen[n] + 1}; each observation once "
                                   f"(a repeat would count its likelihood ratio twice).")
        seen.setdefault(n, i)
    notes = [str(v).strip() for v in frame["note"]] if "note" in frame.columns else [""] * len(
        frame)
    return pd.DataFrame({"name": names, "likelihood_ratio": lr, "note": notes})


def log_likelihood_ratio(table: pd.DataFrame) -> float:
    """Sum of the observations' log likelihood ratios."""
    return float(np.log(table["likelihood_ratio"].to_numpy()).sum())


def describe_extra(table: pd.DataFrame) -> str:
    """The observations' combined likelihood ratio, for `EvidenceSet.describe`."""
    return f" (likelihood ratio {np.exp(log_likelihood_ratio(table)):.3g})"


def informs(table: pd.DataFrame) -> set[str]:
    """The probability that recursive self-improvement is feasible."""
    return {"p_rsi_feasible"}


def sbc_design() -> pd.DataFrame:
    """One row per simulated signal (`SBC_SIGNALS`); the summed log ratio is replaced."""
    n = len(SBC_SIGNALS)
    return pd.DataFrame({"name": [f"signal {i}" for i in range(n)],
                         "likelihood_ratio": np.ones(n), "note": [""] * n})


KIND = EvidenceKind(
    name="observations",
    doc="likelihood ratios P(obs | RSI feasible) / P(obs | not): name, likelihood_ratio, "
        "optional note",
    columns=("name", "likelihood_ratio"),
    noun="observations",
    build=observations_table,
    informs=informs,
    sbc_title="observations",
    sbc_design=sbc_design,
    describe_extra=describe_extra,
)
