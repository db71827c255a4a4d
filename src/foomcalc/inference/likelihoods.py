"""Likelihood terms: one function per evidence kind, added to the current PyMC model.

Call `add_evidence` inside ``with pm.Model():``. `params` maps every registry
parameter name to its random variable or a constant tensor; a fixed parameter
still gets its term (the term then just does not move it). Every variable created
here is named after the evidence file's label, e.g. ``chinchilla__loss``. Observed
values (and the compute trend's data-centred intercept mean) enter as ``pm.Data``
named ``<label>__<what>_data``, so a compiled model can be refitted to new data of
the same shape with ``compiled.with_data`` (simulation-based calibration does this).

Conventions (units):
- Interval -> standard error: se = (upper - lower) / (2 z), z = Phi^-1((1 + interval)/2),
  in log space for positive quantities, centred at the reported estimate.
- Scaling: L(N, D) = E + A/N^a + B/D^b in the Hoffmann et al. (2022) convention
  (N parameters, D tokens, loss in nats/token), fitted in log-loss space with a
  Student-t (robust to a few gross outliers).
- Compute trend: log10 FLOP = intercept + log10(compute_growth_per_year) * (year - ref).
- Returns: r = lambda*alpha/beta (Bloom et al. 2020; Erdil, Besiroglu & Ho 2024)
  pooled across domains with between-domain spread returns_tau (log units); AI software
  is one of the domains (`cross_domain_log_mean`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy import stats

from foomcalc.evidence.files import EvidenceSet
from foomcalc.evidence.kinds.returns import AI_SOFTWARE
from foomcalc.inference.coordinates import (
    DeferredPrior,
    realise,
    softplus_coordinate,
)
from foomcalc.parameters import PARAMETERS

LN2 = float(np.log(2.0))
#: Student-t degrees of freedom prior, Gamma(2, 0.1) (Juarez & Steel 2010): mean 20,
#: with ~5% mass below nu = 3.5, so gross outliers can be absorbed by heavy tails.
NU_ALPHA, NU_BETA = 2.0, 0.1
#: Weak prior for a domain's latent research-input growth rate (log of the
#: exponential rate per year): median 0.1/yr, 95% within 0.002-5 /yr.
LOG_INPUT_RATE_MU, LOG_INPUT_RATE_SD = float(np.log(0.1)), 2.0


def z_score(interval: np.ndarray | float) -> np.ndarray:
    """Half-width of a central `interval` in standard-normal units (0.9 -> 1.645)."""
    return stats.norm.ppf(0.5 + np.asarray(interval, dtype=float) / 2.0)


#: z of a one-sided 97.5% bound.
UPPER_BOUND_Z = 1.959963984540054


def log_se(lower: np.ndarray, upper: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """Standard error in log space from a central interval of a positive quantity."""
    return (np.log(upper) - np.log(lower)) / (2.0 * z_score(interval))


def _tensor(params: dict, name: str) -> pt.TensorVariable:
    if name not in params:
        raise KeyError(f"add_evidence needs parameter '{name}' in params (RV or constant)")
    return realise(params, name)


def _deferred(params: dict, name: str) -> bool:
    return isinstance(params.get(name), DeferredPrior)


def scaling_mean_log_loss(params: dict, n: np.ndarray, d: np.ndarray,
                          n_ref: float, d_ref: float) -> pt.TensorVariable:
    """log(E + A/N^a + B/D^b) with centred inputs: A/N^a = (A N_ref^-a) (N/N_ref)^-a."""
    a, b = _tensor(params, "scaling_a"), _tensor(params, "scaling_b")
    big_e = _tensor(params, "scaling_E")
    a_ref = _tensor(params, "scaling_A") * pt.exp(-a * np.log(n_ref))
    b_ref = _tensor(params, "scaling_B") * pt.exp(-b * np.log(d_ref))
    term_n = a_ref * pt.exp(-a * np.log(n / n_ref))
    term_d = b_ref * pt.exp(-b * np.log(d / d_ref))
    return pt.log(big_e + term_n + term_d)


def reference_scales(table) -> tuple[float, float]:
    """Geometric means of N (parameters) and D (tokens): the centring constants."""
    return (float(np.exp(np.log(table["params"]).mean())),
            float(np.exp(np.log(table["tokens"]).mean())))


#: Sampler coordinates of the scaling law (issue 13, "Geometry"; `coordinates`): exponents
#: a, b = EXPONENT_SCALE * softplus(v) (log-like below 0.1, linear above), and the terms
#: at the reference size, A N_ref^-a = NOISE_SCALE * L * softplus(u) with L the data's
#: geometric-mean loss (log-like below 3% of the loss, linear above).
EXPONENT_SCALE, NOISE_SCALE = 0.1, 0.03


def add_scaling(ev: EvidenceSet, params: dict, prefix: str, robust: bool = True) -> None:
    """Chinchilla-form fit: log L ~ StudentT(nu, log(E + A/N^a + B/D^b), sigma).

    sigma (log-loss scale) ~ HalfNormal(0.1); nu ~ Gamma(2, 0.1). With
    `robust=False` a Normal likelihood is used instead (for comparisons only).

    Geometry: when `model.build_model` defers their priors (`DeferredPrior`), a, b, A
    and B are created here in coordinates of their own (EXPONENT_SCALE, NOISE_SCALE),
    with the same priors. A term of the sum that the data show to be below the noise is
    bounded by a likelihood wall that rises like exp(2 log term); on the log scale NUTS
    diverged there (21 of 200 SBC fits). With the reference term linear above 3% of the
    loss the wall is quadratic, and with the exponents near-linear the reference term
    log A - a log N_ref is not a curved function of the exponent's coordinate.
    """
    t = ev.table
    n_ref, d_ref = reference_scales(t)
    observed = pm.Data(f"{prefix}__log_loss_data", np.log(t["loss"].to_numpy()))
    level = pt.mean(observed)  # log of the data's geometric-mean loss
    for expo, coef, ref in (("scaling_a", "scaling_A", n_ref), ("scaling_b", "scaling_B", d_ref)):
        if _deferred(params, expo):
            softplus_coordinate(params, expo, np.log(EXPONENT_SCALE))
        if _deferred(params, coef):
            softplus_coordinate(params, coef, np.log(NOISE_SCALE) + level
                                + _tensor(params, expo) * np.log(ref))
    mu = scaling_mean_log_loss(params, t["params"].to_numpy(), t["tokens"].to_numpy(),
                               n_ref, d_ref)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=0.1)
    if robust:
        nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
        pm.StudentT(f"{prefix}__loss", nu=nu, mu=mu, sigma=sigma, observed=observed)
    else:
        pm.Normal(f"{prefix}__loss", mu=mu, sigma=sigma, observed=observed)


def trend_rows(ev: EvidenceSet):
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
    slope = pt.log(_tensor(params, "compute_growth_per_year")) / np.log(10.0)
    intercept_mu = pm.Data(f"{prefix}__intercept_mu", float(y.mean()))
    intercept = pm.Normal(f"{prefix}__intercept", mu=intercept_mu, sigma=5.0)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=2.0)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    mu = intercept + slope * (year - float(year.mean()))
    pm.StudentT(f"{prefix}__log10_flop", nu=nu, mu=mu, sigma=sigma,
                observed=pm.Data(f"{prefix}__log10_flop_data", y))


#: Key in `params` of the cross-domain centre of log returns, shared by every returns and
#: growth-rate file of one model (created by the first of them).
CROSS_DOMAIN_LOG_MEAN = "returns cross-domain log mean"


def cross_domain_log_mean(params: dict, prefix: str) -> pt.TensorVariable:
    """Centre m of log returns across domains, with AI software a domain of its own.

    Every domain's log r_d = m + returns_tau * z_d, AI software's too: log returns_r =
    m + tau * z_ai, z_ai ~ Normal(0, 1) (`<prefix>__ai_domain_z`). Written as
    m = log returns_r - tau * z_ai, so the user's prior on returns_r stays its marginal
    prior (without evidence the posterior of returns_r is that prior) and other domains
    inform AI's r only through m: each other domain counts with variance 2 tau^2 + se^2,
    not tau^2 + se^2 (issue 14: leaving AI's own deviation out made the tails too narrow).
    """
    if CROSS_DOMAIN_LOG_MEAN not in params:
        z_ai = pm.Normal(f"{prefix}__ai_domain_z", 0.0, 1.0)
        params[CROSS_DOMAIN_LOG_MEAN] = (pt.log(_tensor(params, "returns_r"))
                                         - _tensor(params, "returns_tau") * z_ai)
    return params[CROSS_DOMAIN_LOG_MEAN]


def add_returns(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """log r_d ~ Normal(m, sqrt(tau^2 + se_d^2)) for other domains (domain effect
    marginalised; m = cross-domain centre, `cross_domain_log_mean`), and
    log r ~ Normal(log returns_r, se) for rows measuring AI software itself."""
    t = ev.table
    se = log_se(t["lower"].to_numpy(), t["upper"].to_numpy(), t["interval"].to_numpy())
    is_ai = (t["domain"] == AI_SOFTWARE).to_numpy()
    tau = _tensor(params, "returns_tau")
    log_r_ai = pt.log(_tensor(params, "returns_r"))
    centre = cross_domain_log_mean(params, prefix) if (~is_ai).any() else log_r_ai
    mu = pt.where(is_ai, log_r_ai, centre)
    sd = pt.sqrt((~is_ai).astype(float) * tau**2 + se**2)
    pm.Normal(f"{prefix}__log_estimate", mu=mu, sigma=sd,
              observed=pm.Data(f"{prefix}__log_estimate_data",
                               np.log(t["estimate"].to_numpy())))


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
    log_r = pt.log(_tensor(params, "returns_r"))
    tau = _tensor(params, "returns_tau")
    z = pm.Normal(f"{prefix}__z", 0.0, 1.0, shape=k)
    centre = cross_domain_log_mean(params, prefix) if (~is_ai).any() else log_r
    log_r_d = pt.where(is_ai, log_r, centre + tau * z)
    log_g_in = pm.Normal(f"{prefix}__log_input_rate", LOG_INPUT_RATE_MU, LOG_INPUT_RATE_SD,
                         shape=k)
    log_g_sw = log_r_d + log_g_in
    if is_ai.any():
        months = _tensor(params, "software_doubling_months")
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


def add_summary(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Published estimates: log-normal measurement for positive parameters, Normal otherwise."""
    t = ev.table
    for log_scale, suffix in ((True, "log_estimate"), (False, "estimate")):
        rows = t[t["log_scale"] == log_scale]
        if rows.empty:
            continue
        theta = pt.stack([_tensor(params, p) for p in rows["parameter"]])
        est, lo, hi = (rows[c].to_numpy() for c in ("estimate", "lower", "upper"))
        z = z_score(rows["interval"].to_numpy())
        if log_scale:
            pm.Normal(f"{prefix}__{suffix}", mu=pt.log(theta),
                      sigma=(np.log(hi) - np.log(lo)) / (2 * z),
                      observed=pm.Data(f"{prefix}__{suffix}_data", np.log(est)))
        else:
            pm.Normal(f"{prefix}__{suffix}", mu=theta, sigma=(hi - lo) / (2 * z),
                      observed=pm.Data(f"{prefix}__{suffix}_data", est))


def add_observations(ev: EvidenceSet, params: dict, prefix: str) -> None:
    """Potential log(p LR + 1 - p): the feasibility indicator marginalised exactly."""
    log_lr = pm.Data(f"{prefix}__log_lr",
                     float(np.sum(np.log(ev.table["likelihood_ratio"].to_numpy()))))
    p = _tensor(params, "p_rsi_feasible")
    # log(p LR + 1 - p), stable for extreme ratios and p near 0 or 1
    pm.Potential(f"{prefix}__lr", pt.logaddexp(pt.log(p) + log_lr, pt.log1p(-p)))


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
    months = _tensor(params, "retrain_months")
    year_auto = _tensor(params, "automation_year")
    growth = pm.Normal(f"{prefix}__log_growth_per_year", 0.0, DURATION_LOG_GROWTH_SD)
    sigma = pm.HalfNormal(f"{prefix}__sigma", sigma=1.5)
    nu = pm.Gamma(f"{prefix}__nu", alpha=NU_ALPHA, beta=NU_BETA)
    mu = pt.log(months * HOURS_PER_MONTH) + growth * (t["year"].to_numpy() - year_auto)
    pm.StudentT(f"{prefix}__log_hours", nu=nu, mu=mu, sigma=sigma,
                observed=pm.Data(f"{prefix}__log_hours_data", t["log_hours"].to_numpy()))


_TERMS = {
    "scaling": add_scaling, "compute_trend": add_compute_trend, "returns": add_returns,
    "growth_rates": add_growth_rates, "summary": add_summary, "observations": add_observations,
    "training_durations": add_training_durations,
}


def _crux():
    """The crux parameters' terms (likelihoods_crux imports this module's helpers)."""
    from foomcalc.inference import likelihoods_crux

    return likelihoods_crux


def unique_prefixes(evidence: list[EvidenceSet]) -> list[str]:
    """File labels, suffixed _2, _3, ... when two files share a stem (and never a
    parameter name)."""
    seen: Counter[str] = Counter()
    out = []
    for ev in evidence:
        # a stem equal to a parameter name would clash with the model's `<param>__<kwarg>`
        label = f"{ev.label}_evidence" if ev.label in PARAMETERS else ev.label
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label}_{seen[label]}")
    return out


def own_coordinates(ev: EvidenceSet) -> tuple[str, ...]:
    """Registry parameters whose sampler coordinates this evidence set's term sets itself
    when it gets their priors deferred (`coordinates.DeferredPrior`; issue 13)."""
    if ev.kind == "scaling":
        return ("scaling_a", "scaling_b", "scaling_A", "scaling_B")
    if ev.kind == "time_horizons" and _crux().horizon_frontier(ev)["domain"].nunique() > 1:
        return ("horizon_doubling_months",)
    return ()


def add_evidence(evidence: list[EvidenceSet], params: dict[str, pt.TensorVariable]) -> None:
    """Add each evidence set's likelihood term to the current PyMC model (inside `with`).

    A deferred prior that no term created in its own coordinates becomes its plain
    variable at the end."""
    terms = _TERMS | _crux().TERMS
    for ev, prefix in zip(evidence, unique_prefixes(evidence), strict=True):
        terms[ev.kind](ev, params, prefix)
    for name in [n for n, v in params.items() if isinstance(v, DeferredPrior)]:
        realise(params, name)
