"""Likelihood of ``substitution`` evidence: published elasticities of substitution between
compute and research labour, pooled by random effects on log sigma; an estimate <= 0 is a
censored upper bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.substitution import AI_RESEARCH, UPPER_BOUND_Z
from foomcalc.inference.terms.common import Term, tensor

#: Between-specification spread of substitution estimates: tau ~ HalfNormal(0.75), log units.
SUBSTITUTION_TAU_SD = 0.75
#: Extra spread (log units) for estimates from another domain (e.g. capital vs labour in
#: manufacturing): one sd is a factor e ~ 2.7 between that domain's sigma and AI research's.
SUBSTITUTION_DOMAIN_TAU = 1.0


def substitution_rows(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per row: the observed log value, its log-scale measurement se, whether it is an upper
    bound, and whether it comes from a distant domain (see `add_substitution`)."""
    est, se = table["estimate"].to_numpy(float), table["se"].to_numpy(float)
    bound = est <= 0
    value = np.where(bound, est + UPPER_BOUND_Z * se, est)
    return {"log_value": np.log(value), "log_se": se / value,
            "bound": bound, "far": (table["domain"] != AI_RESEARCH).to_numpy()}


def add_substitution(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Published elasticities of substitution, pooled by random effects on log sigma.

    Row i's elasticity theta_i ~ LogNormal(log substitution_elasticity, s_i), s_i = tau for
    `ai-research` rows and sqrt(tau^2 + SUBSTITUTION_DOMAIN_TAU^2) for other domains, tau
    (`<prefix>__tau`) ~ HalfNormal(0.75); theta_i is marginalised. A positive estimate
    is log-normal: log estimate ~ Normal(log sigma, sqrt(s_i^2 + (se_i / estimate_i)^2))
    (delta method). An estimate outside (0, inf), e.g. Whitfill & Wu's -0.10, is read as
    its one-sided 97.5% upper bound U = estimate + z se (z = UPPER_BOUND_Z, the
    constant the evidence check uses, so U > 0), softened by se / U on the log
    scale: P = Phi((log U - log sigma) / sqrt(s_i^2 + (se / U)^2)), a censored observation
    (`pm.Censored`, so prior-predictive simulation and SBC see the same model). A hard
    bound, sd = s_i alone, makes a funnel at small tau, where NUTS diverges.
    """
    rows = substitution_rows(ev.table)
    tau = pm.HalfNormal(f"{prefix}__tau", sigma=SUBSTITUTION_TAU_SD)
    log_sigma = pt.log(tensor(params, "substitution_elasticity"))
    spread2 = tau**2 + rows["far"].astype(float) * SUBSTITUTION_DOMAIN_TAU**2
    sd = pt.sqrt(spread2 + rows["log_se"] ** 2)
    exact, bound = ~rows["bound"], rows["bound"]
    if exact.any():
        pm.Normal(f"{prefix}__log_estimate", mu=log_sigma, sigma=sd[exact],
                  observed=pm.Data(f"{prefix}__log_estimate_data", rows["log_value"][exact]))
    if bound.any():
        log_bound = rows["log_value"][bound]
        pm.Censored(f"{prefix}__log_bound", pm.Normal.dist(mu=log_sigma, sigma=sd[bound]),
                    lower=log_bound, upper=None,
                    observed=pm.Data(f"{prefix}__log_bound_data", log_bound))


TERM = Term("substitution", add_substitution)
