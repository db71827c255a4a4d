"""``summary``: a published estimate of any registry parameter.

Columns: parameter (a registry name, `foomcalc.parameters.PARAMETERS`), estimate, lower,
upper, interval, citation, in the parameter's own units. ``interval`` is the central
probability of [lower, upper]. Canonical table: the same columns plus log_scale (True for
positive parameters, whose estimate is read on the log scale).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foomcalc.evidence import cells
from foomcalc.evidence.cells import Problems
from foomcalc.evidence.kind import EvidenceKind
from foomcalc.evidence.kinds.returns import INTERVAL_COLUMNS
from foomcalc.parameters import PARAMETERS


def summary_table(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """Known parameter names; values inside the parameter's support."""
    names = cells.texts(frame, "parameter", problems)
    for i, n in enumerate(names):
        if n and n not in PARAMETERS:
            problems.at(i, "parameter", f"unknown parameter '{n}'."
                                        f"{cells.suggest(n, list(PARAMETERS))}")
    positive = np.array([PARAMETERS[n].support in ("positive", "above_one")
                         if n in PARAMETERS else False for n in names], dtype=bool)
    nums = cells.check_interval(frame, problems, positive=False)
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
                          "interval": cells.check_level(frame, problems),
                          "citation": cells.texts(frame, "citation", problems)})
    table["log_scale"] = positive
    return table


def informs(table: pd.DataFrame) -> set[str]:
    """The named parameters."""
    return set(table["parameter"])


def sbc_design() -> pd.DataFrame:
    """One log-scale (software_doubling_months) and one linear (compute_during_takeoff) row."""
    return pd.DataFrame({
        "parameter": ["software_doubling_months", "compute_during_takeoff"],
        "estimate": [8.0, 0.5], "lower": [4.0, 0.3], "upper": [16.0, 0.7],
        "interval": [0.9, 0.9], "citation": ["sbc design"] * 2,
        "log_scale": [True, False]})


KIND = EvidenceKind(
    name="summary",
    doc="a published estimate of any registry parameter, in its units: parameter, "
        "estimate, lower, upper, interval, citation",
    columns=("parameter", *INTERVAL_COLUMNS),
    noun="published estimates",
    build=summary_table,
    informs=informs,
    sbc_title="published estimates",
    sbc_design=sbc_design,
)
