"""Likelihood of ``compute_trend`` evidence: log10 FLOP = intercept +
log10(compute_growth_per_year) * (year - mean year), Student-t residuals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.terms.common import NU_ALPHA, NU_BETA, Term, tensor


def trend_rows(ev: EvidenceSet) -> pd.DataFrame:
    """Rows the compute-trend term uses: the notable ones if any are marked, else all."""
    t = ev.table
    return t[t["notable"]] if t["notable"].any() else t


def add_compute_trend(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Robust log-linear trend; slope (OOM/yr) = log10(compute_growth_per_year).

    Intercept (log10 FLOP at the mean year) ~ Normal(mean, 5); scale (OOM) ~
    HalfNormal(2); nu ~ Gamma(2, 0.1).
    """
    t = trend_rows(ev)
    year = t["year"].to_numpy()
    y = t["log10_flop"].to_numpy()
    slope = pt.log(tensor(params, "compute_growth_per_year")) / np.log(10.0)
    intercept_mu = pm.Data(f"{prefix}__intercept_mu", float(y.mean()))
    intercept = pm.Normal(f"{prefix}__intercept", mu=intercept_mu, sigma=5.0)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=2.0)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    mu = intercept + slope * (year - float(year.mean()))
    pm.StudentT(f"{prefix}__log10_flop", nu=nu, mu=mu, sigma=sigma,
                observed=pm.Data(f"{prefix}__log10_flop_data", y))


TERM = Term("compute_trend", add_compute_trend)
