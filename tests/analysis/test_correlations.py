"""Rank correlations honoured everywhere a prior is used: prior draws, the PyMC model's
copula potential, the uninformed parameters' conditional draws, reweighting; zero
correlations change nothing; and correlating returns with the distance to the limits
moves P(hard takeoff) the way the simulator says it must."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from foomcalc.analysis.reweight import hard_per_draw, result_priors, reweight
from foomcalc.analysis.run import CompiledCache, draw_prior, parameter_draws, run_analysis
from foomcalc.evidence.files import load_evidence
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.paths import evidence_dir
from foomcalc.priors import load_preset, priors_from_dict
from foomcalc.priors.copula import log_copula_density
from foomcalc.takeoff.outcomes import compute_outcomes

R_LIMIT = [["returns_r", "limit_ooms", 0.6]]
R_TAU = [["returns_r", "returns_tau", -0.5]]


def correlated(pairs, base: str = "default"):
    return priors_from_dict({"name": "c", "base": base, "correlations": pairs})


@pytest.fixture(scope="module")
def returns_evidence():
    """The bundled returns estimates alone: a small model (returns_r, returns_tau)."""
    return [load_evidence(evidence_dir() / "returns_estimates.csv")]


def test_zero_correlations_leave_the_analysis_byte_identical(default_priors):
    zero = priors_from_dict({"name": "default", "description": default_priors.description,
                             "base": "default",
                             "correlations": [["returns_r", "limit_ooms", 0.0]]})
    a = run_analysis(default_priors, [], seed=4, settings=SamplerSettings(draws=200),
                     n_prior_draws=500)
    b = run_analysis(zero, [], seed=4, settings=SamplerSettings(draws=200), n_prior_draws=500)
    for group in ("prior", "posterior", "prior_outcomes", "posterior_outcomes"):
        xr.testing.assert_identical(a[group].to_dataset(), b[group].to_dataset())
    assert a.attrs["priors_json"] == b.attrs["priors_json"]


def test_prior_draws_show_the_stated_rank_correlations(default_priors):
    """draw_prior: the pairs' Spearman rho within 4 standard errors (Fisher z, 40,000
    draws); the uncorrelated parameters' draws identical to the independent prior's."""
    pairs = [["returns_r", "limit_ooms", 0.6], ["speedup", "returns_r", -0.4]]
    n = 40_000
    corr = draw_prior(correlated(pairs), (1, n), seed=9)
    plain = draw_prior(default_priors, (1, n), seed=9)
    for a, b, rho in pairs:
        r_hat = stats.spearmanr(corr[a].values.ravel(), corr[b].values.ravel())[0]
        assert abs(math.atanh(r_hat) - math.atanh(rho)) < 4 * math.sqrt(1.06 / (n - 3))
    for name in plain.data_vars:
        if name not in ("returns_r", "limit_ooms", "speedup"):
            np.testing.assert_array_equal(corr[name].values, plain[name].values)
    # each marginal as stated: same distribution as the independent draws (KS, p > 0.001)
    for name in ("returns_r", "limit_ooms", "speedup"):
        assert stats.ks_2samp(corr[name].values.ravel(),
                              plain[name].values.ravel()).pvalue > 1e-3, name


def _hard(priors, draws_ds, n) -> np.ndarray:
    draws = {k: v.reshape(-1) for k, v in parameter_draws(priors, draws_ds, (1, n)).items()}
    out = compute_outcomes(draws, gap_from=priors.gap_from, gap_weights=priors.gap_weights,
                           compression=[])
    return hard_per_draw(out, priors.hard_takeoff_days)


def simulator_interaction(priors, n: int = 20_000, seed: int = 5) -> float:
    """What the simulator says about returns_r x limit_ooms: the mean over prior draws of
    the other parameters of h(r_hi, L_hi) + h(r_lo, L_lo) - h(r_hi, L_lo) - h(r_lo, L_hi),
    r and L at their prior's 25th and 75th percentiles, h = P(hard takeoff) per draw.
    Positive (supermodular) means a positive correlation must raise P(hard takeoff)."""
    base = draw_prior(priors, (1, n), seed)
    r = [priors.specs["returns_r"].quantile(q) for q in (0.25, 0.75)]
    lim = [priors.specs["limit_ooms"].quantile(q) for q in (0.25, 0.75)]

    def h(rv, lv):
        ds = base.assign(returns_r=(("chain", "draw"), np.full((1, n), rv)),
                         limit_ooms=(("chain", "draw"), np.full((1, n), lv)))
        return _hard(priors, ds, n).mean()

    return h(r[1], lim[1]) + h(r[0], lim[0]) - h(r[1], lim[0]) - h(r[0], lim[1])


def test_correlating_returns_with_limits_moves_the_prior_answer_as_the_simulator_says():
    """forethought-2025 (r log-uniform 0.4-3.6, limits uniform 14-39 OOM: both matter
    there). The sign comes from the simulator (`simulator_interaction`), not assumed; the
    correlated and independent answers use coupled draws (the same independent draws,
    then joined), so their difference is measured with a paired standard error."""
    preset = load_preset("forethought-2025")
    sign = np.sign(simulator_interaction(preset))
    assert sign != 0
    n = 40_000
    plain = _hard(preset, draw_prior(preset, (1, n), seed=6), n)
    up = correlated([["returns_r", "limit_ooms", 0.7]], base="forethought-2025")
    down = correlated([["returns_r", "limit_ooms", -0.7]], base="forethought-2025")
    diff_up = _hard(up, draw_prior(up, (1, n), seed=6), n) - plain
    diff_down = _hard(down, draw_prior(down, (1, n), seed=6), n) - plain
    se_up, se_down = diff_up.std() / math.sqrt(n), diff_down.std() / math.sqrt(n)
    assert sign * diff_up.mean() > 4 * se_up
    assert sign * diff_down.mean() < -4 * se_down


def test_the_model_potential_is_the_copula_density(returns_evidence):
    """The PyMC model's "copula" potential equals the numpy copula log density at the
    same parameter values (returns_r and returns_tau, both informed)."""
    import pymc as pm

    from foomcalc.inference.model import build_model

    priors = correlated(R_TAU)
    model = build_model(priors, returns_evidence)
    assert [p.name for p in model.potentials] == ["copula"]
    # the potential's term of the model log density, RVs replaced by their values
    potential = model.compile_logp(vars=model.potentials, jacobian=False)
    rng = np.random.default_rng(0)
    point = model.initial_point()
    for _ in range(5):
        r, tau = float(np.exp(rng.normal(0, 0.5))), float(abs(rng.normal(0, 0.5)))
        values = {**point, "returns_r_log__": np.log(r), "returns_tau_log__": np.log(tau)}
        want = log_copula_density(priors.copula(), priors.specs,
                                  {"returns_r": np.array([r]), "returns_tau": np.array([tau])})
        # PyMC's normal log CDF agrees with scipy's to ~1e-8
        assert float(potential(values)) == pytest.approx(float(want[0]), rel=1e-6, abs=1e-8)
    assert pm.Potential  # PyMC is loaded for the model only


@pytest.mark.slow
def test_uninformed_draws_follow_the_copula_given_the_posterior(returns_evidence):
    """returns_r (informed) with limit_ooms (not): limit_ooms's posterior draws keep the
    stated rank correlation with returns_r's NUTS draws, and their marginal given a
    narrow returns_r posterior shifts the way the correlation says."""
    priors = correlated(R_LIMIT)
    result = run_analysis(priors, returns_evidence, seed=3, settings=SamplerSettings(draws=500),
                          n_prior_draws=500)
    post = result["posterior"]
    r_hat = stats.spearmanr(post["returns_r"].values.ravel(),
                            post["limit_ooms"].values.ravel())[0]
    # the posterior's rank correlation is not the prior's (returns_r is narrower), but it
    # stays clearly positive: a copula ignored would give ~0
    assert r_hat > 0.3


@pytest.mark.slow
def test_reweighting_to_correlations_agrees_with_a_refit(returns_evidence):
    """From an uncorrelated posterior: adding returns_r-limit_ooms (informed-uninformed:
    exact conditional redraw) and returns_r-returns_tau (both informed: PSIS on the copula
    density) agree with NUTS refits within 4 combined standard errors (MCMC se x 2)."""
    cache = CompiledCache()
    base_priors = priors_from_dict({"name": "b", "base": "default"})
    result = run_analysis(base_priors, returns_evidence, seed=5,
                          settings=SamplerSettings(draws=500), n_prior_draws=500, cache=cache)
    for pairs, method in ((R_LIMIT, "exact"), (R_TAU, "psis")):
        new = correlated(pairs)
        fast = reweight(result, new, seed=8)
        assert fast.method == method, (pairs, fast.method, fast.reason)
        refit = run_analysis(new, returns_evidence, seed=9, settings=SamplerSettings(draws=500),
                             n_prior_draws=100, cache=cache)
        per_fast = hard_per_draw(fast.outcomes, 30.0)
        per_refit = hard_per_draw(refit["posterior_outcomes"].to_dataset(), 30.0)
        se = 2 * math.sqrt(per_fast.var() / fast.ess + per_refit.var() / per_refit.size)
        assert fast.hard_takeoff() == pytest.approx(per_refit.mean(), abs=4 * se + 0.003)
    back = reweight(run_analysis(correlated(R_TAU), returns_evidence, seed=5,
                                 settings=SamplerSettings(draws=300), n_prior_draws=100,
                                 cache=cache), base_priors)
    assert back.method == "psis"
    assert result_priors(result).correlations == ()
