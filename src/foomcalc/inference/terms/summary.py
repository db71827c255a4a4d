"""Likelihood of ``summary`` evidence: a published estimate with its interval, log-normal
for positive parameters and Normal otherwise."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.terms.common import Term, tensor, z_score


def add_summary(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Published estimates: log-normal measurement for positive parameters, Normal otherwise."""
    t = ev.table
    for log_scale, suffix in ((True, "log_estimate"), (False, "estimate")):
        rows = t[t["log_scale"] == log_scale]
        if rows.empty:
            continue
        theta = pt.stack([tensor(params, p) for p in rows["parameter"]])
        est, lo, hi = (rows[c].to_numpy() for c in ("estimate", "lower", "upper"))
        z = z_score(rows["interval"].to_numpy())
        if log_scale:
            pm.Normal(f"{prefix}__{suffix}", mu=pt.log(theta),
                      sigma=(np.log(hi) - np.log(lo)) / (2 * z),
                      observed=pm.Data(f"{prefix}__{suffix}_data", np.log(est)))
        else:
            pm.Normal(f"{prefix}__{suffix}", mu=theta, sigma=(hi - lo) / (2 * z),
                      observed=pm.Data(f"{prefix}__{suffix}_data", est))


TERM = Term("summary", add_summary)
