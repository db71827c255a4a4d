"""``compute_trend``: training compute of models over time.

Columns: date (ISO date or decimal year), training_flop (FLOP, not log10), optional
notable (true/false), optional model (name; tells apart different models with the same
date and compute). If any row is notable, the likelihood uses only the notable rows.
Canonical table: year (decimal), training_flop, log10_flop, notable, model (if given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind


def trend_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """year, training_flop (> 1e6 FLOP), log10_flop, notable (True where not given)."""
    years = cells.years(frame, "date", problems)
    flop = cells.numbers(frame, "training_flop", problems)
    for i, v in enumerate(flop):
        if np.isfinite(v) and v <= 0:
            problems.at(i, "training_flop", f"{v:g} must be positive.")
        elif np.isfinite(v) and v < 1e6:
            problems.at(i, "training_flop", f"{v:g} looks like log10 FLOP; give FLOP "
                                            f"(e.g. 2e25, not 25.3).")
    notable = np.ones(len(frame), dtype=bool)
    if "notable" in frame.columns:
        for i, cell in enumerate(frame["notable"].astype(str).str.strip().str.lower()):
            if cell not in cells.TRUE_WORDS | cells.FALSE_WORDS:
                problems.at(i, "notable", f"'{cell}' is not true/false.")
            notable[i] = cell in cells.TRUE_WORDS
    with np.errstate(invalid="ignore", divide="ignore"):
        log10 = np.log10(flop)
    table = pd.DataFrame({"year": years, "training_flop": flop, "log10_flop": log10,
                          "notable": notable})
    if "model" in frame.columns:
        table["model"] = frame["model"].astype(str).str.strip().to_numpy()
    return table


def informs(table: pd.DataFrame) -> set[str]:
    """The trend's growth factor per year."""
    return {"compute_growth_per_year"}


def sbc_design() -> pd.DataFrame:
    """25 models, 2012-2024, log10 FLOP centred at 23 (the value is replaced)."""
    year = np.linspace(2012.0, 2024.0, 25)
    log10 = np.full(len(year), 23.0)
    return pd.DataFrame({"year": year, "training_flop": 10.0**log10, "log10_flop": log10,
                         "notable": np.ones(len(year), dtype=bool)})


KIND = EvidenceKind(
    name="compute_trend",
    doc="training compute over time: date, training_flop (FLOP), optional notable, model",
    columns=("date", "training_flop"),
    noun="models",
    build=trend_table,
    informs=informs,
    sbc_title="compute trend",
    sbc_design=sbc_design,
    duplicate_hint=" If they are different models, add a 'model' column naming them.",
)
