"""Likelihood of ``growth_rates`` evidence: each domain's returns r_d = software growth /
research-input growth (rates exponential, per year), pooled with the returns model."""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.returns import AI_SOFTWARE
from foomcalc.inference.terms.common import Term, cross_domain_log_mean, log_se, tensor

LN2 = float(np.log(2.0))
#: Weak prior for a domain's latent research-input growth rate (log of the
#: exponential rate per year): median 0.1/yr, 95% within 0.002-5 /yr.
LOG_INPUT_RATE_MU, LOG_INPUT_RATE_SD = float(np.log(0.1)), 2.0


def add_growth_rates(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Errors-in-variables: r_d = g_software_d / g_input_d, pooled with the returns model.

    Per domain d (rates are exponential, per year): latent g_input_d (weak
    log-normal prior), r_d = exp(m + tau z_d) around the cross-domain centre m
    (`cross_domain_log_mean`, non-centred; r_d = returns_r for ai-software),
    g_software_d = r_d g_input_d. Measurements: the doubling time
    ln2/g_software_d and the input growth ln(1 + x) are log-normal around the
    reported values with se from their intervals. For ai-software the latent
    software rate is ln2 * 12 / software_doubling_months, so its measured doubling
    time also informs software_doubling_months.
    """
    t = ev.table
    k = len(t)
    level = t["interval"].to_numpy()
    is_ai = (t["domain"] == AI_SOFTWARE).to_numpy()
    log_r = pt.log(tensor(params, "returns_r"))
    tau = tensor(params, "returns_tau")
    z = pm.Normal(f"{prefix}__z", 0.0, 1.0, shape=k)
    centre = cross_domain_log_mean(params, prefix) if (~is_ai).any() else log_r
    log_r_d = pt.where(is_ai, log_r, centre + tau * z)
    log_g_in = pm.Normal(f"{prefix}__log_input_rate", LOG_INPUT_RATE_MU, LOG_INPUT_RATE_SD,
                         shape=k)
    log_g_sw = log_r_d + log_g_in
    if is_ai.any():
        months = tensor(params, "software_doubling_months")
        log_g_ai = pt.log(LN2 * 12.0 / months)
        # ai-software: the software rate is the registry's; the input rate follows from r.
        log_g_sw = pt.where(is_ai, log_g_ai, log_g_sw)
        log_g_in = pt.where(is_ai, log_g_ai - log_r, log_g_in)
    eff = t["efficiency_doubling_years"].to_numpy()
    se_eff = log_se(t["efficiency_doubling_years_lower"].to_numpy(),
                    t["efficiency_doubling_years_upper"].to_numpy(), level)
    pm.Normal(f"{prefix}__log_doubling_years", mu=np.log(LN2) - log_g_sw, sigma=se_eff,
              observed=pm.Data(f"{prefix}__log_doubling_years_data", np.log(eff)))
    rate = np.log1p(t["input_growth_per_year"].to_numpy())
    rate_lo = np.log1p(t["input_growth_per_year_lower"].to_numpy())
    rate_hi = np.log1p(t["input_growth_per_year_upper"].to_numpy())
    pm.Normal(f"{prefix}__log_input_rate_obs", mu=log_g_in,
              sigma=log_se(rate_lo, rate_hi, level),
              observed=pm.Data(f"{prefix}__log_input_rate_obs_data", np.log(rate)))


TERM = Term("growth_rates", add_growth_rates)
