"""Likelihood terms of the crux parameters (issues 9 and 10): the capability gap's
`time_horizons` (METR 50% horizons -> horizon_doubling_months) and `game_scaling` (Elo
against training compute -> elo_per_oom), and the compute bottleneck's `substitution`
(published elasticities -> substitution_elasticity). Same conventions as likelihoods.py,
whose helpers they use; `likelihoods.add_evidence` dispatches to `TERMS`.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.substitution import AI_RESEARCH
from foomcalc.inference.coordinates import log_coordinate
from foomcalc.inference.likelihoods import NU_ALPHA, NU_BETA, UPPER_BOUND_Z, _deferred, _tensor

#: Between-domain spread of log horizon doubling times when several domains are pooled:
#: tau ~ HalfNormal(0.5) (log units; METR 2025 find domain doubling times ~1-20 months).
HORIZON_TAU_SD = 0.5


def horizon_frontier(ev: EvidenceSet):
    """Rows the time-horizon trend uses: the frontier (record-setting) models."""
    return ev.table[ev.table["frontier"]]


def horizon_data_strength(y, x: np.ndarray, index: np.ndarray, k: int) -> pt.TensorVariable:
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


def add_time_horizons(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Robust log-linear trend of log2(horizon) on date over the frontier models, per domain.

    log2 h_i ~ StudentT(nu, a_d + (12 / months_d) (year_i - mean year_d), sigma): the
    slope is in doublings per year. One domain: months_d = horizon_doubling_months.
    Several: random effects, months_d = horizon_doubling_months * exp(tau z_d),
    z_d ~ Normal(0, 1), tau (`<prefix>__tau`) ~ HalfNormal(0.5), so horizon_doubling_months
    is the cross-domain median doubling time (as returns pool in add_returns).
    a_d ~ Normal(mean log2 h_d, 10); sigma (log2 units) ~ HalfNormal(2); nu ~ Gamma(2, 0.1).

    Geometry of the random effects (issue 13; the model above is unchanged): with z
    sampled directly (non-centred) NUTS diverged or stalled when the data pin each
    domain's slope (35 of 200 SBC fits; r_hat up to 2.1). The sampler's coordinates are
    instead: tau; the mean over domains of log months_d (c, `<prefix>__mean_log_months
    __coord`), which the pooled data pin, with log horizon_doubling_months = c - tau mean(z)
    and mean(z) ~ Normal(0, 1/sqrt(K)) its own coordinate; and the K - 1 deviations of
    log months_d from c (an orthonormal basis of sum-zero vectors), partially
    non-centred (Papaspiliopoulos, Roberts & Skold 2007): d_j = tau^(1 - w_j) e_j,
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
        tau = pm.HalfNormal(f"{prefix}__tau", sigma=HORIZON_TAU_SD)
        z_mean = pm.Normal(f"{prefix}__z_mean__coord", 0.0, 1.0 / np.sqrt(k))
        if _deferred(params, "horizon_doubling_months"):
            mean_log = log_coordinate(params, "horizon_doubling_months", tau * z_mean,
                                      f"{prefix}__mean_log_months__coord")
        else:
            mean_log = pt.log(_tensor(params, "horizon_doubling_months")) + tau * z_mean
        basis = np.linalg.svd(np.eye(k) - 1.0 / k)[0][:, :k - 1]  # orthonormal, sum zero
        strength = horizon_data_strength(observed, year - centre[index], index, k)
        s_j = pt.sqrt(pt.dot((basis**2).T, strength**2))
        w = tau**2 / (tau**2 + s_j**2)
        e = pm.Normal(f"{prefix}__deviation__coord", 0.0, tau**w, shape=k - 1)
        dev = tau ** (1.0 - w) * e
        log_months_d = mean_log + pt.dot(basis, dev)
        pm.Deterministic(f"{prefix}__z", z_mean + pt.dot(basis, dev) / tau)
        slope_d = 12.0 * pt.exp(-log_months_d)  # doublings per year
    else:
        slope_d = 12.0 / pt.stack([_tensor(params, "horizon_doubling_months")])
    a = pm.Normal(f"{prefix}__intercept", mu=pm.Data(f"{prefix}__intercept_mu", level),
                  sigma=10.0, shape=k)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=2.0)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    mu = a[index] + slope_d[index] * (year - centre[index])
    pm.StudentT(f"{prefix}__log2_horizon", nu=nu, mu=mu, sigma=sigma, observed=observed)


#: Prior scale (Elo) of each board's upper plateau around 0 and of its incline intercept.
ELO_CEILING_SD, ELO_INTERCEPT_SD = 200.0, 1000.0


def add_game_scaling(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Compute-frontier fit of Elo on log10 training compute (Jones 2021's change-point form).

    Per board size b: elo_i ~ StudentT(nu, clip(c_b + elo_per_oom (x_i - mean x_b),
    ceil_b - span_b, ceil_b), sigma), x = log10 FLOP: a shared incline slope (Elo per OOM)
    between a lower plateau (random-play-like start) and an upper plateau (perfect play).
    c_b ~ Normal(mean elo_b, 1000); ceil_b ~ Normal(max elo_b, 200); span_b ~
    LogNormal(log(max - min elo_b + 1), 1); sigma (Elo) ~ HalfNormal(200); nu ~ Gamma(2, 0.1).
    """
    t = ev.table
    boards = sorted(set(t["board_size"]))
    index = np.array([boards.index(b) for b in t["board_size"]])
    x = t["log10_flop"].to_numpy()
    elo = t["elo"].to_numpy()
    k = len(boards)
    x_mid = np.array([x[index == j].mean() for j in range(k)])
    e_mean = np.array([elo[index == j].mean() for j in range(k)])
    e_max = np.array([elo[index == j].max() for j in range(k)])
    e_range = np.array([np.ptp(elo[index == j]) for j in range(k)])
    slope = _tensor(params, "elo_per_oom")
    c = pm.Normal(f"{prefix}__intercept", mu=pm.Data(f"{prefix}__intercept_mu", e_mean),
                  sigma=ELO_INTERCEPT_SD, shape=k)
    ceil = pm.Normal(f"{prefix}__ceiling", mu=pm.Data(f"{prefix}__ceiling_mu", e_max),
                     sigma=ELO_CEILING_SD, shape=k)
    span = pm.LogNormal(f"{prefix}__span", mu=pm.Data(f"{prefix}__span_mu",
                                                      np.log(e_range + 1.0)), sigma=1.0, shape=k)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=200.0)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    incline = c[index] + slope * (x - x_mid[index])
    mu = pt.minimum(pt.maximum(incline, ceil[index] - span[index]), ceil[index])
    pm.StudentT(f"{prefix}__elo", nu=nu, mu=mu, sigma=sigma,
                observed=pm.Data(f"{prefix}__elo_data", elo))


#: Between-specification spread of substitution estimates: tau ~ HalfNormal(0.75), log units.
SUBSTITUTION_TAU_SD = 0.75
#: Extra spread (log units) for estimates from another domain (e.g. capital vs labour in
#: manufacturing): one sd is a factor e ~ 2.7 between that domain's sigma and AI research's.
SUBSTITUTION_DOMAIN_TAU = 1.0


def substitution_rows(table) -> dict[str, np.ndarray]:
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
    its one-sided 97.5% upper bound U = estimate + 1.96 se, softened by se / U on the log
    scale: P = Phi((log U - log sigma) / sqrt(s_i^2 + (se / U)^2)), a censored observation
    (`pm.Censored`, so prior-predictive simulation and SBC see the same model; a hard bound,
    sd = s_i alone, made a funnel at small tau: SBC fits diverged).
    """
    rows = substitution_rows(ev.table)
    tau = pm.HalfNormal(f"{prefix}__tau", sigma=SUBSTITUTION_TAU_SD)
    log_sigma = pt.log(_tensor(params, "substitution_elasticity"))
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


TERMS = {"time_horizons": add_time_horizons, "game_scaling": add_game_scaling,
         "substitution": add_substitution}
