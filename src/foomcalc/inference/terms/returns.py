"""Likelihood of ``returns`` evidence: r = lambda*alpha/beta (Bloom et al. 2020; Erdil,
Besiroglu & Ho 2024) pooled across domains with between-domain spread returns_tau (log
units); AI software is one of the domains (`common.cross_domain_log_mean`)."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.returns import AI_SOFTWARE
from foomcalc.inference.terms.common import Term, cross_domain_log_mean, log_se, tensor


def add_returns(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """log r_d ~ Normal(m, sqrt(tau^2 + se_d^2)) for other domains (domain effect
    marginalised; m = cross-domain centre, `cross_domain_log_mean`), and
    log r ~ Normal(log returns_r, se) for rows measuring AI software itself."""
    t = ev.table
    se = log_se(t["lower"].to_numpy(), t["upper"].to_numpy(), t["interval"].to_numpy())
    is_ai = (t["domain"] == AI_SOFTWARE).to_numpy()
    tau = tensor(params, "returns_tau")
    log_r_ai = pt.log(tensor(params, "returns_r"))
    centre = cross_domain_log_mean(params, prefix) if (~is_ai).any() else log_r_ai
    mu = pt.where(is_ai, log_r_ai, centre)
    sd = pt.sqrt((~is_ai).astype(float) * tau**2 + se**2)
    pm.Normal(f"{prefix}__log_estimate", mu=mu, sigma=sd,
              observed=pm.Data(f"{prefix}__log_estimate_data",
                               np.log(t["estimate"].to_numpy())))


TERM = Term("returns", add_returns)
