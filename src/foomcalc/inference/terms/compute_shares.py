"""Likelihood of ``compute_shares`` evidence: published compute shares of AI R&D spending,
pooled by random effects around `compute_share` on the share's own (linear) scale."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.terms.common import Term, tensor, z_score

#: Between-source spread of compute shares: tau ~ HalfNormal(0.1), in share units (labs,
#: years and accounting conventions differ by about +-0.1).
SHARES_TAU_SD = 0.1


def add_compute_shares(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """share_i ~ Normal(compute_share, sqrt(tau^2 + se_i^2)), se_i = (upper - lower) / (2 z)
    from the row's central interval, tau (`<prefix>__tau`) ~ HalfNormal(SHARES_TAU_SD):
    each source's share is the population share (the parameter) plus a source effect,
    marginalised. Linear scale, so a fixed compute_share of 0 (no bottleneck, e.g.
    forethought-2025) keeps a finite likelihood."""
    t = ev.table
    se = (t["upper"].to_numpy(float) - t["lower"].to_numpy(float)) / (
        2.0 * z_score(t["interval"].to_numpy(float)))
    tau = pm.HalfNormal(f"{prefix}__tau", sigma=SHARES_TAU_SD)
    pm.Normal(f"{prefix}__share", mu=tensor(params, "compute_share"),
              sigma=pt.sqrt(tau**2 + se**2),
              observed=pm.Data(f"{prefix}__share_data", t["compute_share"].to_numpy(float)))


TERM = Term("compute_shares", add_compute_shares)
