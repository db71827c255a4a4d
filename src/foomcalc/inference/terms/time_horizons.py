"""Likelihood of ``time_horizons`` evidence: a robust log-linear trend of the METR 50%
time horizon (log2 minutes) on date over the frontier models, per domain; the doubling
time is horizon_doubling_months (random effects across domains)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.inference.coordinates import log_coordinate
from foomcalc.inference.terms.common import NU_ALPHA, NU_BETA, Term, is_deferred, tensor

#: Between-domain spread of log horizon doubling times when several domains are pooled:
#: tau ~ HalfNormal(0.5) (log units; METR 2025 find domain doubling times ~1-20 months).
HORIZON_TAU_SD = 0.5


def horizon_frontier(ev: EvidenceSet) -> pd.DataFrame:
    """Rows the time-horizon trend uses: the frontier (record-setting) models."""
    return ev.table[ev.table["frontier"]]


def horizon_data_strength(y: pt.TensorVariable, x: np.ndarray, index: np.ndarray,
                          k: int) -> pt.TensorVariable:
    """Per domain, how precisely the data fix log(slope): the OLS standard error of the
    slope over (|slope| + se), in [0, 1). x is centred per domain. Only chooses sampler
    coordinates (a rough guide; any value gives the same model)."""
    onehot = (index[:, None] == np.arange(k)[None, :]).astype(float)
    n = onehot.sum(axis=0)
    sxx = onehot.T @ x**2
    slope = pt.dot(onehot.T, x * y) / sxx
    resid = y - (pt.dot(onehot.T, y) / n)[index] - slope[index] * x
    se = pt.sqrt(pt.dot(onehot.T, resid**2) / np.maximum(n - 2, 1) / sxx)
    return se / (pt.abs(slope) + se + 1e-12)


def pooled_log_months(params: dict, prefix: str, observed: pt.TensorVariable,
                      year_centred: np.ndarray, index: np.ndarray, k: int) -> pt.TensorVariable:
    """log months_d of the k > 1 domains, in the sampler coordinates of `add_time_horizons`;
    also records z (`<prefix>__z`)."""
    tau = pm.HalfNormal(f"{prefix}__tau", sigma=HORIZON_TAU_SD)
    z_mean = pm.Normal(f"{prefix}__z_mean__coord", 0.0, 1.0 / np.sqrt(k))
    if is_deferred(params, "horizon_doubling_months"):
        mean_log = log_coordinate(params, "horizon_doubling_months", tau * z_mean,
                                  f"{prefix}__mean_log_months__coord")
    else:
        mean_log = pt.log(tensor(params, "horizon_doubling_months")) + tau * z_mean
    basis = np.linalg.svd(np.eye(k) - 1.0 / k)[0][:, :k - 1]  # orthonormal, sum zero
    strength = horizon_data_strength(observed, year_centred, index, k)
    s_j = pt.sqrt(pt.dot((basis**2).T, strength**2))
    w = tau**2 / (tau**2 + s_j**2)
    e = pm.Normal(f"{prefix}__deviation__coord", 0.0, tau**w, shape=k - 1)
    dev = tau ** (1.0 - w) * e
    pm.Deterministic(f"{prefix}__z", z_mean + pt.dot(basis, dev) / tau)
    return mean_log + pt.dot(basis, dev)


def add_time_horizons(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Robust log-linear trend of log2(horizon) on date over the frontier models, per domain.

    log2 h_i ~ StudentT(nu, a_d + (12 / months_d) (year_i - mean year_d), sigma): the
    slope is in doublings per year. One domain: months_d = horizon_doubling_months.
    Several: random effects, months_d = horizon_doubling_months * exp(tau z_d),
    z_d ~ Normal(0, 1), tau (`<prefix>__tau`) ~ HalfNormal(0.5), so horizon_doubling_months
    is the cross-domain median doubling time (as returns pool in `terms.returns`).
    a_d ~ Normal(mean log2 h_d, 10); sigma (log2 units) ~ HalfNormal(2); nu ~ Gamma(2, 0.1).

    Geometry of the random effects (the model above is unchanged): with z sampled
    directly (non-centred) NUTS diverges or stalls when the data pin each domain's slope.
    The sampler's coordinates are instead (`pooled_log_months`): tau; the mean over
    domains of log months_d (c, `<prefix>__mean_log_months__coord`), which the pooled
    data pin, with log horizon_doubling_months = c - tau mean(z) and mean(z) ~
    Normal(0, 1/sqrt(K)) its own coordinate; and the K - 1 deviations of log months_d
    from c (an orthonormal basis of sum-zero vectors), partially non-centred
    (Papaspiliopoulos, Roberts & Skold 2007): d_j = tau^(1 - w_j) e_j,
    e_j ~ Normal(0, tau^w_j), w_j = tau^2 / (tau^2 + s_j^2) with s_j how precisely the
    data fix log slopes (`horizon_data_strength`): centred where the data are strong
    relative to tau, non-centred where tau is small. z is a deterministic of these.
    """
    t = horizon_frontier(ev)
    domains = sorted(set(t["domain"]))
    k = len(domains)
    index = np.array([domains.index(d) for d in t["domain"]])
    year = t["year"].to_numpy()
    centre = np.array([year[index == j].mean() for j in range(k)])
    level = np.array([t["log2_horizon"].to_numpy()[index == j].mean() for j in range(k)])
    observed = pm.Data(f"{prefix}__log2_horizon_data", t["log2_horizon"].to_numpy())
    if k > 1:
        log_months_d = pooled_log_months(params, prefix, observed, year - centre[index],
                                         index, k)
        slope_d = 12.0 * pt.exp(-log_months_d)  # doublings per year
    else:
        slope_d = 12.0 / pt.stack([tensor(params, "horizon_doubling_months")])
    a = pm.Normal(f"{prefix}__intercept", mu=pm.Data(f"{prefix}__intercept_mu", level),
                  sigma=10.0, shape=k)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=2.0)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    mu = a[index] + slope_d[index] * (year - centre[index])
    pm.StudentT(f"{prefix}__log2_horizon", nu=nu, mu=mu, sigma=sigma, observed=observed)


def own_coordinates(ev: EvidenceSet) -> tuple[str, ...]:
    """horizon_doubling_months when the frontier spans several domains."""
    if horizon_frontier(ev)["domain"].nunique() > 1:
        return ("horizon_doubling_months",)
    return ()


TERM = Term("time_horizons", add_time_horizons, own_coordinates)
