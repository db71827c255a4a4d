"""The reweighting fast path: PSIS direction and k-hat, prior densities, coupled redraws,
and agreement with a full re-run / refit within stated Monte Carlo tolerances."""

import dataclasses
import math

import arviz as az
import numpy as np
import pytest
import xarray as xr
from scipy import integrate, stats

from foomcalc.analysis.reweight import (
    K_HAT_MAX,
    changed_parameters,
    coupled_draws,
    hard_per_draw,
    log_prior_density,
    psis_weights,
    result_priors,
    reweight,
    support_within,
)
from foomcalc.analysis.run import CompiledCache, run_analysis
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.priors.families import to_prior
from foomcalc.priors.files import load_preset


def spec(priors, name, family, **kw):
    return dataclasses.replace(priors.specs[name], prior=to_prior(family, kw), value=None)


def test_psis_weights_point_the_right_way():
    """Proposal N(0,1), target N(1,1): log ratio x - 1/2; the weighted mean must be ~1
    (se ~0.03 with 4000 draws; tolerance 0.15), and k-hat is small for this easy case."""
    x = np.random.default_rng(0).normal(size=(4, 1000))
    w, khat = psis_weights(x - 0.5)
    assert w.shape == x.shape and w.sum() == pytest.approx(1.0)
    assert (w * x).sum() == pytest.approx(1.0, abs=0.15)
    assert khat < K_HAT_MAX


def test_psis_flags_a_bad_proposal():
    """Proposal N(0,1), target N(4, 0.5): the ratio has a heavy tail, k-hat > 0.7."""
    x = np.random.default_rng(1).normal(size=(1, 4000))
    log_ratio = stats.norm(4, 0.5).logpdf(x) - stats.norm(0, 1).logpdf(x)
    assert psis_weights(log_ratio)[1] > K_HAT_MAX


@pytest.mark.parametrize("family,kw", [("LogUniform", {"lower": 0.4, "upper": 3.6}),
                                       ("ShiftedLogNormal", {"mu": 1.0, "sigma": 0.8}),
                                       ("LogNormal", {"mu": 0.0, "sigma": 0.6}),
                                       ("Beta", {"alpha": 2.0, "beta": 5.0})])
def test_log_prior_density_is_a_density_on_the_parameter_scale(family, kw, default_priors):
    s = spec(default_priors, "returns_r", family, **kw)
    lo, hi = s.quantile(1e-9), s.quantile(1 - 1e-9)
    total, _ = integrate.quad(lambda v: math.exp(log_prior_density(s, np.array(v))), lo, hi,
                              limit=400)
    assert total == pytest.approx(1.0, abs=2e-3)
    assert log_prior_density(s, np.array(-1.0)) == -np.inf  # outside the support


def test_coupled_draws_follow_the_new_prior_and_keep_ranks(default_priors):
    p = default_priors
    old = p.specs["speedup"]
    new = spec(p, "speedup", "LogUniform", lower=2, upper=32)
    x = old.sample(5000, np.random.default_rng(2))
    y = coupled_draws(old, new, x, np.random.default_rng(3))
    # iid from LogUniform(2, 32): log2 y uniform on [1, 5]; KS at the 0.1% level
    assert stats.kstest(np.log2(y), stats.uniform(1, 4).cdf).pvalue > 1e-3
    assert np.all(np.argsort(x) == np.argsort(y))  # monotone coupling


@pytest.fixture(scope="module")
def prior_only(default_priors):
    """No evidence: every parameter is an exact prior draw (no NUTS, fast)."""
    return run_analysis(default_priors, [], seed=3, settings=SamplerSettings(draws=1000),
                        n_prior_draws=1000)


def test_unchanged_priors_reproduce_the_result_exactly(prior_only):
    rw = reweight(prior_only, result_priors(prior_only))
    assert rw.method == "unchanged"
    # uniform-weight sum vs mean: equal up to float summation order
    assert rw.hard_takeoff() == pytest.approx(hard_per_draw(
        prior_only["posterior_outcomes"].to_dataset(), 30.0).mean(), rel=1e-12)


def test_exact_redraw_agrees_with_a_full_rerun(prior_only):
    """Speedup prior moved up (no evidence informs it): the fast path redraws it exactly.
    Agreement with an independent full run within 4 combined standard errors."""
    p = result_priors(prior_only)
    new = p.with_spec("speedup", spec(p, "speedup", "ShiftedLogNormal", mu=3.5, sigma=0.5))
    assert changed_parameters(p, new) == ["speedup"]
    rw = reweight(prior_only, new)
    assert rw.method == "exact"
    full = run_analysis(new, [], seed=11, settings=SamplerSettings(draws=1000),
                        n_prior_draws=1000)
    per = hard_per_draw(full["posterior_outcomes"].to_dataset(), 30.0).ravel()
    se = per.std() / math.sqrt(per.size)
    assert rw.hard_takeoff() == pytest.approx(per.mean(), abs=4 * math.sqrt(2) * se)
    base = hard_per_draw(prior_only["posterior_outcomes"].to_dataset(), 30.0).mean()
    # a much faster speed-up: clearly more hard takeoff (less than before the compute
    # bottleneck acted at automation: the realised speed-up grows slower than `speedup`)
    assert rw.hard_takeoff() - base > 4 * se


def test_p_rsi_fixed_to_uncertain_resimulates_the_skipped_branch(default_priors):
    """forethought-2025 fixes p_rsi_feasible = 1, so its result never simulated the
    no-RSI branch; adopting an uncertain p must re-simulate it, not re-weight stale
    outcomes. Checked against an independent full run (4 combined standard errors)."""
    old = load_preset("forethought-2025")
    result = run_analysis(old, [], seed=5, settings=SamplerSettings(draws=1000),
                          n_prior_draws=1000)
    assert np.isinf(result["posterior_outcomes"]["takeoff_months_infeasible"]).all()
    new = old.with_spec("p_rsi_feasible", default_priors.specs["p_rsi_feasible"])
    rw = reweight(result, new)
    assert rw.method == "exact"
    assert np.isfinite(rw.outcomes["takeoff_months_infeasible"]).any()
    full = run_analysis(new, [], seed=12, settings=SamplerSettings(draws=1000),
                        n_prior_draws=1000)
    per = hard_per_draw(full["posterior_outcomes"].to_dataset(), new.hard_takeoff_days).ravel()
    se = per.std() / math.sqrt(per.size)
    assert rw.hard_takeoff() == pytest.approx(per.mean(), abs=4 * math.sqrt(2) * se + 1e-3)


@pytest.fixture(scope="module")
def with_evidence(default_priors, bundled):
    cache = CompiledCache()
    result = run_analysis(default_priors, bundled, seed=5,
                          settings=SamplerSettings(draws=300), n_prior_draws=1000,
                          cache=cache)
    return result, cache


def _mcse(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Monte Carlo standard error of a (weighted) mean of NUTS draws (chain, draw): the
    importance-sampling error sqrt(sum w^2 (x - mean)^2), inflated by the draws'
    autocorrelation (n / bulk ESS of the unweighted draws, ArviZ)."""
    n = values.size
    w = np.full(values.shape, 1.0 / n) if weights is None else weights
    mean = float((w * values).sum())
    ess = float(az.ess(xr.Dataset({"x": (("chain", "draw"), values)}), method="bulk")["x"])
    return math.sqrt(float(np.sum(w**2 * (values - mean) ** 2)) * n / min(ess, n))


@pytest.mark.slow
def test_psis_fast_path_agrees_with_refit_and_is_fast(with_evidence, bundled):
    """A change to an evidence-informed prior (returns_r median 1 -> 1.8) is answered by
    PSIS (its speed is measured in benchmarks/, not here) and agrees with an independent
    NUTS refit under the new prior, within 4 combined Monte Carlo standard errors:

    - the posterior mean of returns_r moves by ~20 standard errors, so the old answer
      (PSIS returning uniform weights, or no reweighting) fails by far;
    - P(hard takeoff) agrees within 4 standard errors (no fixed allowance); this change
      moves it by about one standard error, so that check alone has no power against the
      old answer, which is why returns_r is checked too."""
    result, cache = with_evidence
    p = result_priors(result)
    new = p.with_spec("returns_r", spec(p, "returns_r", "LogNormal", mu=0.6, sigma=0.5))
    fast = reweight(result, new)
    assert fast.method == "psis" and fast.pareto_k <= K_HAT_MAX
    refit = run_analysis(new, bundled, seed=6, settings=SamplerSettings(draws=300),
                         n_prior_draws=100, cache=cache)
    r_old = result["posterior"]["returns_r"].values
    r_refit = refit["posterior"]["returns_r"].values
    r_fast = float((fast.weights * r_old).sum())
    se_old, se_refit = _mcse(r_old), _mcse(r_refit)
    se_fast = _mcse(r_old, fast.weights)
    assert r_fast == pytest.approx(r_refit.mean(), abs=4 * math.hypot(se_fast, se_refit))
    assert r_refit.mean() - r_old.mean() > 10 * math.hypot(se_old, se_refit)  # power
    h_fast = hard_per_draw(fast.outcomes, 30.0)
    h_refit = hard_per_draw(refit["posterior_outcomes"].to_dataset(), 30.0)
    se = math.hypot(_mcse(h_fast, fast.weights), _mcse(h_refit))
    assert fast.hard_takeoff() == pytest.approx(h_refit.mean(), abs=4 * se)


@pytest.mark.slow
def test_large_change_falls_back_to_refit(with_evidence, bundled):
    """A prior far from the posterior's bulk (r median 4.5, sd of log 0.3): k-hat > 0.7."""
    result, cache = with_evidence
    p = result_priors(result)
    new = p.with_spec("returns_r", spec(p, "returns_r", "LogNormal", mu=1.5, sigma=0.3))
    rw = reweight(result, new, cache=cache, evidence=bundled)
    assert rw.method == "refit"


def test_support_check():
    """Issue 14 bug 3: PSIS from a bounded prior cannot put mass beyond its bounds."""
    p = load_preset("forethought-2025")
    bounded = p.specs["returns_r"]  # log-uniform 0.4-3.6
    assert support_within(spec(p, "returns_r", "LogUniform", lower=0.5, upper=3.0), bounded)
    assert not support_within(spec(p, "returns_r", "LogNormal", mu=0.0, sigma=0.7), bounded)
    assert not support_within(spec(p, "returns_r", "LogUniform", lower=0.3, upper=3.0), bounded)
    wide = spec(p, "returns_r", "LogNormal", mu=0.0, sigma=0.7)
    assert support_within(bounded, wide)


def test_mcse_of_uniform_weights_is_sd_over_root_n(prior_only):
    rw = reweight(prior_only, result_priors(prior_only))
    per = hard_per_draw(prior_only["posterior_outcomes"].to_dataset(), 30.0).ravel()
    assert rw.hard_takeoff_mcse() == pytest.approx(per.std() / math.sqrt(per.size), rel=1e-9)
    assert rw.numbers()["hard_takeoff"]["mcse"] == rw.hard_takeoff_mcse()


@pytest.mark.slow
def test_mass_beyond_a_bounded_prior_forces_a_refit(bundled):
    """forethought-2025 (r log-uniform 0.4-3.6) with the bundled returns evidence, then a
    prior with mass beyond 3.6: k-hat does not notice (the audit saw -0.4), so the
    support check must send it to a refit."""
    cache = CompiledCache()
    old = load_preset("forethought-2025")
    result = run_analysis(old, bundled, seed=7, settings=SamplerSettings(draws=300),
                          n_prior_draws=500, cache=cache)
    new = old.with_spec("returns_r", spec(old, "returns_r", "LogNormal", mu=0.0, sigma=0.7))
    rw = reweight(result, new, cache=cache, evidence=bundled, seed=7)
    assert rw.method == "refit"


def test_psis_weights_work_in_a_fresh_process():
    """The `.azstats` accessor is registered by importing arviz_stats; psis_weights must
    not rely on another module having imported it (a survey worker or a script)."""
    import subprocess
    import sys

    code = ("import numpy as np; from foomcalc.analysis.reweight import psis_weights; "
            "print(psis_weights(np.random.default_rng(0).normal(size=(4, 100)))[1])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert 0 < float(proc.stdout) < K_HAT_MAX


def test_psis_uses_the_relative_efficiency_of_autocorrelated_draws():
    """NUTS draws are autocorrelated: the Pareto tail length must use r_eff = ESS / n
    of the ratios (ArviZ's mean ESS, as its loo does). AR(1) log ratios, phi = 0.9: the
    weights equal ArviZ's psislw with that r_eff, and differ from r_eff = 1."""
    import arviz_stats  # noqa: F401  (the .azstats accessor)
    import xarray as xr

    rng = np.random.default_rng(4)
    lr = np.zeros((4, 1000))
    for t in range(1, 1000):
        lr[:, t] = 0.9 * lr[:, t - 1] + rng.normal(size=4)
    w, khat = psis_weights(lr)
    ratio = xr.DataArray(np.exp(lr - lr.max()), dims=("chain", "draw"))
    r_eff = float(ratio.azstats.ess(method="mean")) / lr.size
    assert 0.01 < r_eff < 0.5  # clearly autocorrelated
    for r, same in ((r_eff, True), (1.0, False)):
        lw, k = xr.DataArray(-lr, dims=("chain", "draw")).azstats.psislw(
            dim=["chain", "draw"], r_eff=r)
        expected = np.exp(lw.transpose("chain", "draw").values)
        expected /= expected.sum()
        assert np.allclose(w, expected, rtol=1e-10, atol=0) is same
        assert (khat == pytest.approx(float(k))) is same


def test_psis_errors_never_escape():
    """Equal ratios make ArviZ raise "All tail values are the same": unusable weights
    (k-hat inf), never an exception."""
    w, khat = psis_weights(np.zeros((4, 100)))
    assert khat == np.inf and w.sum() == pytest.approx(1.0)


def test_support_check_tolerates_rounding():
    """scipy gives TruncatedNormal(1, 0.3, lower 0.3)'s lower bound as
    0.29999999999999993: inside Uniform(0.3, 3) all the same (no needless refit)."""
    from foomcalc.analysis.reweight import prior_support

    p = load_preset("default")
    uniform = spec(p, "returns_r", "Uniform", lower=0.3, upper=3.0)
    tn = spec(p, "returns_r", "TruncatedNormal", mu=1.0, sigma=0.3, lower=0.3, upper=3.0)
    assert prior_support(tn)[0] < 0.3
    assert support_within(tn, uniform)
    assert not support_within(spec(p, "returns_r", "TruncatedNormal", mu=1.0, sigma=0.3,
                                   lower=0.2999, upper=3.0), uniform)


@pytest.fixture(scope="module")
def returns_evidence():
    from foomcalc.evidence.files import load_evidence
    from foomcalc.paths import evidence_dir

    return [load_evidence(evidence_dir() / "returns_estimates.csv")]


@pytest.mark.slow
def test_uniform_priors_reweight_exactly(returns_evidence):
    """Uniform(0.3, 3) -> Uniform(0.5, 2) on the informed returns_r: the density ratio is
    one constant inside the new support, so the weights are the indicator (method
    "indicator"), the answer exactly the mean over the draws inside; the other way
    reaches beyond the old support and needs a refit (said, not raised)."""
    old = load_preset("default")
    old = old.with_spec("returns_r", spec(old, "returns_r", "Uniform", lower=0.3, upper=3.0))
    result = run_analysis(old, returns_evidence, seed=2, settings=SamplerSettings(draws=300),
                          n_prior_draws=200)
    narrow = old.with_spec("returns_r", spec(old, "returns_r", "Uniform", lower=0.5, upper=2.0))
    rw = reweight(result, narrow)
    assert rw.method == "indicator" and rw.pareto_k is None
    r = result["posterior"]["returns_r"].values
    inside = (r >= 0.5) & (r <= 2.0)
    per = hard_per_draw(result["posterior_outcomes"].to_dataset(), 30.0)
    assert rw.hard_takeoff() == pytest.approx(per[inside].mean(), rel=1e-12)
    assert rw.ess == pytest.approx(inside.sum())
    back = reweight(run_analysis(narrow, returns_evidence, seed=3,
                                 settings=SamplerSettings(draws=300), n_prior_draws=200),
                    old, refit=False)
    assert back.method == "needs-refit" and "beyond the old one's support" in back.reason


@pytest.mark.slow
def test_compare_of_two_uniform_returns_priors_works(returns_evidence, tmp_path):
    """`foomcalc compare` of reports with returns_r Uniform(0.3, 3) and Uniform(0.5, 2):
    one direction is exact indicator weights, the other a refit; no PSIS error."""
    from foomcalc.reporting.comparison import make_comparison
    from foomcalc.reporting.workflow import make_report, resolve_inputs

    folders = []
    for lo, hi in ((0.3, 3.0), (0.5, 2.0)):
        f = tmp_path / f"u{lo}.yaml"
        f.write_text(f"name: uniform-{lo}\nbase: default\nparameters:\n  returns_r: "
                     f"{{dist: Uniform, lower: {lo}, upper: {hi}, source: test}}\n")
        inputs = resolve_inputs(f, None, [evidence_dir_file("returns_estimates.csv")], True,
                                tmp_path / f"r{lo}")
        make_report(inputs, seed=1, draws=300)
        folders.append(tmp_path / f"r{lo}")
    make_comparison(folders, tmp_path / "cmp")
    import json

    rows = json.loads((tmp_path / "cmp" / "comparison.json").read_text())["cruxes"][0]["rows"]
    row = next(r for r in rows if r["parameter"] == "returns_r")
    assert (row["method_a"], row["method_b"]) == ("indicator", "refit")


def evidence_dir_file(name: str):
    from foomcalc.paths import evidence_dir

    return evidence_dir() / name


def test_switching_to_the_speed_up_from_parts_resimulates_every_draw(prior_only):
    """`speedup_from: parts` changes no parameter's prior but how `speedup` is had: the
    reweighted answer is the simulator's on the same draws with speedup built from its
    parts (not the old answer), and its gap axis is re-simulated too."""
    import dataclasses

    from foomcalc.takeoff.outcomes import GAP_AXIS_YEARS, compute_outcomes, with_speedup

    p = result_priors(prior_only)
    new = dataclasses.replace(p, speedup_from="parts")
    rw = reweight(prior_only, new, compression=True)
    assert rw.method == "exact" and rw.changed == ()
    posterior = prior_only["posterior"].to_dataset()
    draws = with_speedup({n: posterior[n].values.reshape(-1) for n in posterior.data_vars},
                         "parts")
    direct = compute_outcomes(draws, gap_from=p.gap_from, gap_weights=p.gap_weights,
                              compression=[], gap_axis_years=GAP_AXIS_YEARS)
    expected = hard_per_draw(direct, 30.0).mean()
    assert rw.hard_takeoff() == pytest.approx(expected, rel=1e-12)
    old = hard_per_draw(prior_only["posterior_outcomes"].to_dataset(), 30.0).mean()
    assert abs(rw.hard_takeoff() - old) > 1e-3
    assert np.array_equal(rw.outcomes["gap_axis__takeoff_months_feasible"].values.reshape(
        -1, len(GAP_AXIS_YEARS)), direct["gap_axis__takeoff_months_feasible"])
