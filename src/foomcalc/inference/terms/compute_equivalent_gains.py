"""Likelihood of ``compute_equivalent_gains`` evidence: measured compute-equivalent gains
(OOMs of training compute) of enhancements usable without new pre-training, pooled by
random effects; the overhang `instant_jump_ooms` is one new draw from the same population
(as AI software's returns are one domain among others, `common.cross_domain_log_mean`)."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.terms.common import Term, tensor, z_score

#: Between-enhancement spread of log10 CEG: tau ~ HalfNormal(0.5) OOM (the surveyed
#: enhancements range from about 1x to tens of x: Davidson et al. 2023).
CEG_TAU_SD = 0.5


def add_compute_equivalent_gains(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """log10 CEG_i ~ Normal(m, sqrt(tau^2 + se_i^2)), se_i = (log10 upper - log10 lower) /
    (2 z) from the row's central interval; m (`<prefix>__typical_log10_ceg`, the typical
    enhancement's CEG in OOMs) = instant_jump_ooms - tau z_new, z_new
    (`<prefix>__new_z`) ~ Normal(0, 1), tau (`<prefix>__tau`) ~ HalfNormal(CEG_TAU_SD).

    Reading: the jump at automation is the CEG of one new enhancement the automated
    workforce applies at once, exchangeable with the measured ones, so it is m + tau z_new;
    written as m = jump - tau z_new, the user's prior on the jump stays its marginal prior
    and the data move it through m, with the between-enhancement spread tau left in (a
    new enhancement is uncertain by tau even when m is known).
    """
    t = ev.table
    se = (t["log10_upper"].to_numpy(float) - t["log10_lower"].to_numpy(float)) / (
        2.0 * z_score(t["interval"].to_numpy(float)))
    tau = pm.HalfNormal(f"{prefix}__tau", sigma=CEG_TAU_SD)
    z_new = pm.Normal(f"{prefix}__new_z", 0.0, 1.0)
    centre = pm.Deterministic(f"{prefix}__typical_log10_ceg",
                              tensor(params, "instant_jump_ooms") - tau * z_new)
    pm.Normal(f"{prefix}__log10_ceg", mu=centre, sigma=pt.sqrt(tau**2 + se**2),
              observed=pm.Data(f"{prefix}__log10_ceg_data", t["log10_ceg"].to_numpy(float)))


TERM = Term("compute_equivalent_gains", add_compute_equivalent_gains)
