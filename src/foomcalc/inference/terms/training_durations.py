"""Likelihood of ``training_durations`` evidence: a robust time trend of log training
duration (hours), read at the automation year as retrain_months."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.terms.common import NU_ALPHA, NU_BETA, Term, tensor

#: Hours per month (30.4375 days), the time unit of retrain_months.
HOURS_PER_MONTH = 30.4375 * 24.0
#: Weak prior on the duration trend, log growth per year: Normal(0, 0.5), i.e. durations
#: anywhere from shrinking 2.7x to growing 2.7x per year at +/- 2 sd (Epoch AI 2025: 1.4x).
DURATION_LOG_GROWTH_SD = 0.5


def add_training_durations(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Robust time trend of log training duration, anchored at the automation year.

    log(hours_i) ~ StudentT(nu, log(retrain_months * HOURS_PER_MONTH)
    + g * (year_i - automation_year), sigma): the trend's value at `automation_year` is
    retrain_months. g (log growth per year, `<prefix>__log_growth_per_year`) ~
    Normal(0, 0.5); sigma (natural-log scale) ~ HalfNormal(1.5); nu ~ Gamma(2, 0.1).
    """
    t = ev.table
    months = tensor(params, "retrain_months")
    year_auto = tensor(params, "automation_year")
    growth = pm.Normal(f"{prefix}__log_growth_per_year", 0.0, DURATION_LOG_GROWTH_SD)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=1.5)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    mu = pt.log(months * HOURS_PER_MONTH) + growth * (t["year"].to_numpy() - year_auto)
    pm.StudentT(f"{prefix}__log_hours", nu=nu, mu=mu, sigma=sigma,
                observed=pm.Data(f"{prefix}__log_hours_data", t["log_hours"].to_numpy()))


TERM = Term("training_durations", add_training_durations)
