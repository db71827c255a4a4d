"""Fast tests of the compute bottleneck: CES research input of AI labour and research
compute, R = (a L^rho + (1 - a) C^rho)^(1/rho), normalised before automation (L = C = 1)
with labour jumping to L0 = speedup^(1/p) at automation, in both simulators and in the
realised initial speed-up R(L0, 1)^p (docs/simulator.md)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from foomcalc.takeoff.params import log2_realised_speedup
from tests.oracles.draws import random_params, reference_params
from tests.oracles.simulate import (
    first_passage_months,
    log2_research_input,
    max_progress_in_window,
    simulate_takeoff,
)
from tests.oracles.simulate_loop import research_input_log2, simulate_takeoff_loop


def _ces_params(rng, n, latency_share=0.5):
    return random_params(rng, n, latency_share) | dict(
        compute_share=rng.uniform(0.0, 0.9, n) * (rng.random(n) < 0.85),
        substitution_elasticity=np.exp(rng.uniform(np.log(0.05), np.log(50.0), n)),
    )


def _assert_same_paths(a, b, tol=1e-9):
    """Same paths up to padding: final progress, time at 40 progress levels, windows."""
    final = b.progress_ooms[:, -1]
    np.testing.assert_allclose(a.progress_ooms[:, -1], final, rtol=tol, atol=tol)
    for level in np.linspace(0.0, 0.999, 41)[1:]:
        np.testing.assert_allclose(first_passage_months(a, level * final),
                                   first_passage_months(b, level * final), rtol=tol, atol=tol)
    for w in (1.0, 12.0):
        np.testing.assert_allclose(max_progress_in_window(a, w), max_progress_in_window(b, w),
                                   rtol=tol, atol=tol)


def test_ces_closed_forms():
    """R = 1 at L = C = 1; R = L without compute; Cobb-Douglas at sigma = 1; the
    Leontief-like bound R -> (1 - a)^(1/rho) C for sigma < 1 and L -> inf."""
    share, rho = np.array([0.3, 0.3, 0.0, 0.5]), np.array([-1.0, 0.0, -3.0, 0.5])
    np.testing.assert_allclose(log2_research_input(share, rho, 0.0, 0.0), 0.0, atol=1e-15)
    np.testing.assert_allclose(log2_research_input(0.0, -2.0, 7.5, 3.0), 7.5, rtol=0, atol=0)
    np.testing.assert_allclose(log2_research_input(0.3, 0.0, 10.0, 2.0), 0.7 * 10 + 0.3 * 2)
    bound = np.log2(0.3) / -1.0 + 2.0  # a = 0.7, rho = -1 (sigma = 0.5), C = 4
    np.testing.assert_allclose(log2_research_input(0.3, -1.0, 200.0, 2.0), bound, rtol=1e-12)
    x = 3.0  # direct formula
    direct = np.log2((0.6 * (2 ** x) ** 0.5 + 0.4 * 2.0 ** 0.5) ** 2.0)
    np.testing.assert_allclose(log2_research_input(0.4, 0.5, x, 1.0), direct, rtol=1e-12)
    for lab, comp in ((0.0, 0.0), (5.0, 1.0), (300.0, 20.0), (2.0, 9.0)):
        for s, r in ((0.3, -1.0), (0.3, 0.0), (0.5, 0.5), (0.0, 0.9), (0.2, -50.0)):
            np.testing.assert_allclose(research_input_log2(s, r, lab, comp),
                                       log2_research_input(s, r, lab, comp), rtol=1e-12,
                                       atol=1e-12)


@pytest.mark.parametrize("latency", [0.0, 1.0])
def test_no_compute_share_or_perfect_substitutes_reproduce_the_recursion(latency):
    rng = np.random.default_rng(11)
    prm = random_params(rng, 300, latency_share=latency)
    plain = simulate_takeoff(**prm)
    zero = simulate_takeoff(**prm | dict(compute_share=0.0,
                                         substitution_elasticity=rng.uniform(0.1, 5, 300)))
    np.testing.assert_array_equal(zero.months, plain.months)  # exact: R = L
    np.testing.assert_array_equal(zero.progress_ooms, plain.progress_ooms)
    # sigma -> inf with L >> C (C frozen at 1, L >= 1): R = a L + (1 - a) C, a tiny
    # share differs from the recursion only by O(share)
    frozen = prm | {"compute_during_takeoff": 0.0}
    tiny = simulate_takeoff(**frozen | dict(compute_share=1e-12, substitution_elasticity=1e15))
    _assert_same_paths(tiny, simulate_takeoff(**frozen))


def test_perfect_substitutes_with_abundant_labour_double_research_input():
    """sigma = inf, C frozen: g_i = (a L0 2^(i+1) + 1 - a) / (a L0 2^i + 1 - a) -> 2, so late
    doubling times follow DT * 2^(p (1/r - 1)) within 1e-9; early on, compute still
    weighs (L0 = 2^(1/0.5) = 4 is not >> C = 1)."""
    prm = reference_params(compute_share=0.3, substitution_elasticity=np.inf, returns_r=1.0,
                           parallel_penalty=0.5, speedup=2.0, horizon_months=1e9)
    t = simulate_takeoff(**prm).months[0]
    dt = np.diff(t[2:])[:-1]
    ratio = dt[1:] / dt[:-1]  # r = 1: DT constant in the plain recursion
    np.testing.assert_allclose(ratio[40:200], 1.0, rtol=0, atol=1e-9)
    assert ratio[0] > 1.0 + 1e-3  # early on compute still weighs


def test_first_doubling_runs_at_the_realised_speedup():
    """The first doubling takes software_doubling_months / R(L0, 1)^p: the bottleneck acts
    from the first moment (both simulators), and = software_doubling_months / speedup when
    compute_share = 0."""
    rng = np.random.default_rng(16)
    n = 200
    prm = _ces_params(rng, n, latency_share=0.0) | {"compute_during_takeoff": 0.0,
                                                    "instant_jump_ooms": 0.0}
    prm["limit_ooms"] = np.full(n, 1e6)
    prm["returns_r"] = np.full(n, 1.0)
    realised = 2.0 ** log2_realised_speedup(prm["speedup"], prm["parallel_penalty"],
                                            prm["compute_share"],
                                            prm["substitution_elasticity"])
    for paths in (simulate_takeoff(**prm), simulate_takeoff_loop(**prm)):
        first = paths.months[:, 2]
        expected = np.minimum(prm["software_doubling_months"] / realised, 240.0)
        np.testing.assert_allclose(first, expected, rtol=1e-12)
    plain = prm["compute_share"] == 0
    np.testing.assert_allclose(realised[plain], prm["speedup"][plain], rtol=1e-15)
    assert np.any(realised < prm["speedup"] / 2)  # the bottleneck bites at automation


def test_realised_speedup_never_exceeds_speedup_and_respects_the_bound():
    """R(L0, 1)^p <= speedup for every draw (speedup >= 1); for sigma < 1 it is at most
    compute_share^(p / rho) whatever L0; it rises with sigma; sigma -> 0 gives 1 (R ->
    min(L0, 1) = 1) and sigma -> inf gives (a speedup^(1/p) + 1 - a)^p; p = 0 is the limit."""
    rng = np.random.default_rng(17)
    n = 20_000
    speedup = np.exp(rng.uniform(0.0, np.log(1e4), n))
    p = rng.uniform(0.0, 1.0, n) * (rng.random(n) > 0.02)
    share = rng.uniform(0.0, 0.99, n) * (rng.random(n) > 0.1)
    sigma = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), n))
    sigma[rng.random(n) < 0.05] = 1.0
    real = log2_realised_speedup(speedup, p, share, sigma)
    assert np.all(np.isfinite(real))
    assert np.all(real <= np.log2(speedup) * (1 + 1e-12) + 1e-12)
    assert np.all(real >= -1e-12)  # never below today's speed (L0 >= 1, C = 1)
    rho = 1 - 1 / sigma
    low = (sigma < 1) & (share > 0) & (p > 0)
    bound = p[low] / rho[low] * np.log2(share[low])
    assert np.all(real[low] <= bound + 1e-9)
    higher = log2_realised_speedup(speedup, p, share, sigma * 1.5)
    assert np.all(higher >= real - 1e-9)
    assert np.any(higher > real + 0.1)
    tiny = log2_realised_speedup(speedup, np.full(n, 0.5), share, 1e-6)
    np.testing.assert_allclose(tiny[share > 0], 0.0, atol=1e-4)
    subst = log2_realised_speedup(speedup, 0.5, share, np.inf)
    np.testing.assert_allclose(subst, 0.5 * np.log2((1 - share) * speedup ** 2 + share),
                               rtol=1e-12, atol=1e-12)
    for sig in (2.0, 1.0, 0.5):  # p = 0 is the p -> 0 limit at fixed speedup
        np.testing.assert_allclose(log2_realised_speedup(8.0, 0.0, 0.3, sig),
                                   log2_realised_speedup(8.0, 1e-9, 0.3, sig), atol=1e-6)
    np.testing.assert_allclose(log2_realised_speedup(8.0, 0.0, 0.3, 2.0), 3.0)
    np.testing.assert_allclose(log2_realised_speedup(8.0, 0.0, 0.3, 1.0), 0.7 * 3.0)
    np.testing.assert_allclose(log2_realised_speedup(8.0, 0.0, 0.3, 0.5), 0.0)


@pytest.mark.parametrize("feasible", [True, False])
def test_near_leontief_with_frozen_compute_bounds_the_whole_takeoff(feasible):
    """sigma -> 0 with compute frozen: R -> min(L, C) = 1 from the first moment, so no
    month holds more than log10(2) R_max^p / software_doubling_months OOMs, R_max =
    share^(1/rho) -> 1: research runs at (about) today's pace and the gap is not crossed
    within months however large `speedup`, returns or the workforce's growth."""
    prm = reference_params(rsi_feasible=feasible, retrain_months=1.0, returns_r=5.0,
                           parallel_penalty=0.6, speedup=1e4, compute_share=0.4,
                           substitution_elasticity=1e-3, compute_during_takeoff=0.0,
                           horizon_months=240.0)
    paths = simulate_takeoff(**prm)
    rho = 1 - 1 / 1e-3
    r_max_p = 0.4 ** (0.6 / rho)
    per_month = np.log10(2) * r_max_p / 3.0
    assert r_max_p < 1.001
    for window in (1.0, 12.0, 120.0):
        assert max_progress_in_window(paths, window)[0] <= per_month * window * (1 + 1e-9)
    gap = 2.0
    assert first_passage_months(paths, gap)[0] >= gap / per_month * (1 - 1e-9)
    assert first_passage_months(simulate_takeoff(**prm | {"compute_share": 0.0}), gap)[0] < 1


@pytest.mark.parametrize("feasible", [True, False])
def test_complements_with_frozen_compute_bound_research_input(feasible):
    """sigma < 1, compute frozen: R <= (1 - a)^(1/rho) from the first moment, doubling times
    stop shrinking and grow while ideas get harder: even r = 3 gives no explosion from
    software alone, and the start is bounded too (speedup 8 is not realised)."""
    prm = reference_params(rsi_feasible=feasible, retrain_months=2.0, returns_r=3.0,
                  parallel_penalty=0.6, speedup=8.0, compute_share=0.3,
                  substitution_elasticity=0.5, compute_during_takeoff=0.0,
                  horizon_months=600.0)
    free = simulate_takeoff(**prm | {"compute_share": 0.0})
    bound = simulate_takeoff(**prm)
    # R <= R_max = (1 - a)^(1/rho) = 1/0.3, so no doubling is faster than
    # DT_0 / R_max^p and no month holds more than log10(2) R_max^p / DT_0 OOMs, DT_0 =
    # software_doubling_months (today's pace: L = C = 1 before automation)
    r_max, dt0 = 0.3 ** (1 / -1.0), 3.0
    assert max_progress_in_window(bound, 1.0)[0] <= np.log10(2) * r_max ** 0.6 / dt0
    assert max_progress_in_window(free, 1.0)[0] > 10.0  # the unbounded path explodes
    assert first_passage_months(free, 30.0)[0] < 12.0
    if feasible:  # doubling times stop shrinking: g -> 1 while ideas get harder
        seg = np.diff(bound.months[0][2:])
        seg = seg[seg > 0][:-1]
        assert np.all(seg[10:] >= seg[9:-1] * (1 - 1e-12))
    assert np.isinf(first_passage_months(bound, 30.0)[0])


@pytest.mark.parametrize("latency", [0.0, 1.0])
def test_more_compute_during_takeoff_never_slows(latency):
    rng = np.random.default_rng(12)
    prm = _ces_params(rng, 400, latency_share=latency) | {"compute_during_takeoff": 0.0}
    prm["limit_ooms"] = rng.uniform(20.0, 60.0, 400)
    base = first_passage_months(simulate_takeoff(**prm), 20.0)
    more = first_passage_months(simulate_takeoff(**prm | {
        "compute_during_takeoff": rng.uniform(0.1, 1.0, 400)}), 20.0)
    assert np.all(more <= base * (1 + 1e-9))
    assert np.any(more < base * 0.9)


#: Relative slack of the sigma-monotonicity test with successor latency: compute is read at
#: each segment's start (explicit), so a path that reaches a successor boundary earlier can
#: read a smaller compute for its next segment; largest effect seen on 5 x 1,000 random
#: latency draws: 1.3e-3 relative (none with compute frozen or RSI feasible; docs/simulator.md).
EXPLICIT_COMPUTE_SLACK = 2e-3


@pytest.mark.parametrize("latency", [0.0, 1.0])
def test_higher_sigma_never_slows(latency):
    rng = np.random.default_rng(13)
    prm = _ces_params(rng, 400, latency_share=latency)
    prm["limit_ooms"] = rng.uniform(20.0, 60.0, 400)

    def times(params):
        return [first_passage_months(simulate_takeoff(**params | {
            "substitution_elasticity": params["substitution_elasticity"] * m}), 20.0)
            for m in (1.0, 2.0, 10.0)]

    slack = EXPLICIT_COMPUTE_SLACK if latency else 1e-9
    growing = times(prm)
    for slower, faster in itertools.pairwise(growing):
        assert np.all(faster <= slower * (1 + slack))
    assert np.any(growing[-1] < growing[0] * 0.9)
    for slower, faster in itertools.pairwise(times(prm | {"compute_during_takeoff": 0.0})):
        assert np.all(faster <= slower * (1 + 1e-9))  # exact with compute frozen


def test_vectorised_equals_per_draw_reference_with_ces():
    rng = np.random.default_rng(14)
    prm = _ces_params(rng, 300)
    fast, slow = simulate_takeoff(**prm), simulate_takeoff_loop(**prm)
    assert fast.months.shape == slow.months.shape
    np.testing.assert_allclose(fast.months, slow.months, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.progress_ooms, slow.progress_ooms, rtol=1e-9, atol=1e-9)


def test_ces_paths_are_warning_free_and_inputs_checked():
    rng = np.random.default_rng(15)
    prm = _ces_params(rng, 200) | {"substitution_elasticity": np.r_[np.full(100, 1e-3),
                                                                    np.full(100, np.inf)]}
    with np.errstate(all="raise"):
        paths = simulate_takeoff(**prm)
    assert np.all(np.isfinite(paths.months)) and np.all(np.diff(paths.months, axis=1) >= 0)
    for bad in ({"compute_share": 1.0}, {"compute_share": -0.1},
                {"substitution_elasticity": 0.0}):
        with pytest.raises(ValueError):
            simulate_takeoff(**reference_params() | bad)


@pytest.mark.slow
def test_compare_default_with_compute_bottleneck_finds_the_crux(tmp_path, default_priors):
    """`foomcalc compare` of default vs compute-bottleneck (no evidence, no NUTS) lists
    sigma or compute_share among its cruxes, and default adopting the bottleneck's sigma
    loses hard-takeoff probability; the tornado has bars for both new parameters."""
    from foomcalc.analysis.result import load_result
    from foomcalc.analysis.sensitivity import tornado
    from foomcalc.reporting.comparison import crux_rows
    from foomcalc.reporting.workflow import make_report, resolve_inputs

    a = resolve_inputs(None, "default", [], True, tmp_path / "a")
    b = resolve_inputs(None, "compute-bottleneck", [], True, tmp_path / "b")
    make_report(a, seed=1, draws=2000)
    make_report(b, seed=2, draws=2000)
    ra, rb = load_result(tmp_path / "a"), load_result(tmp_path / "b")
    rows = {r["parameter"]: r for r in crux_rows(ra, rb)}
    assert {"substitution_elasticity", "compute_share", "compute_during_takeoff"} <= set(rows)
    # direction (modest: with the bottleneck acting at automation default's remaining hard
    # takeoffs come mostly from the overhang jump, which no bottleneck touches)
    sigma = rows["substitution_elasticity"]
    assert sigma["shift_a"] < sigma["mcse_a"]  # complements: not more hard takeoff
    assert sigma["shift_b"] > -sigma["mcse_b"]
    priors = default_priors
    bars = tornado(priors, ra["posterior"].to_dataset(), 1.0, 240.0, n_draws=1000)
    names = list(bars["parameter"].values)
    assert "substitution_elasticity" in names and "compute_share" in names
    i = names.index("substitution_elasticity")
    assert float(bars["p_hard_high"][i]) >= float(bars["p_hard_low"][i])
    # compression, where the bottleneck bites: default's draws with sigma pinned low
    from foomcalc.takeoff.outcomes import simulator_inputs
    from tests.oracles.simulate import max_progress_in_window, recent_rate_ooms_per_year
    post = ra["posterior"].to_dataset()
    draws = {k: post[k].values.ravel() for k in post.data_vars if k in priors.specs}
    for k, spec in priors.specs.items():
        if spec.value is not None:
            draws.setdefault(k, np.full(next(iter(draws.values())).size, float(spec.value)))
    inputs = simulator_inputs(draws)
    rate = recent_rate_ooms_per_year(inputs["software_doubling_months"],
                                     inputs["compute_growth_per_year"])

    def p_3y_in_1y(sigma_value):
        paths = simulate_takeoff(rsi_feasible=True, **inputs | {
            "substitution_elasticity": np.full(rate.size, sigma_value)})
        return float(np.mean(max_progress_in_window(paths, 12.0) >= 3 * rate))

    assert p_3y_in_1y(0.2) < p_3y_in_1y(1.0) - 0.05 < p_3y_in_1y(5.0) - 0.05


@pytest.mark.slow
def test_substitution_evidence_moves_sigma_and_compression(tmp_path, default_priors):
    """Under the default preset, published elasticities that say complements (eight
    specifications near 0.2) against substitutes (near 5) pull substitution_elasticity
    below / above 1 and lower the chance of >= 10 years of progress within 12 months beyond
    3 combined MCSEs (P(hard takeoff) moves little: default's remaining hard takeoffs come
    mostly from the overhang jump, which no bottleneck touches)."""
    from foomcalc.analysis.run import run_analysis
    from foomcalc.evidence.files import load_evidence
    from foomcalc.inference.sampling import SamplerSettings
    from foomcalc.reporting.summary import summarize

    def run(value: float):
        rows = "".join(f"s{i},ai-research,{value * (1 + 0.05 * (i - 4)):.4f},"
                       f"{0.2 * value:.4f},synthetic\n" for i in range(8))
        path = tmp_path / f"sigma_{value}.csv"
        path.write_text("study,domain,estimate,se,citation\n" + rows)
        settings = SamplerSettings(draws=500, tune=500, chains=2)
        return summarize(run_analysis(default_priors, [load_evidence(path)], seed=3,
                                      settings=settings, n_prior_draws=2000))

    low, high = run(0.2), run(5.0)
    assert low["parameters"]["substitution_elasticity"]["posterior"]["q95"] < 1.0
    assert high["parameters"]["substitution_elasticity"]["posterior"]["q05"] > 1.0

    def fast(summary) -> dict:
        return next(c for c in summary["compression"]
                    if c["years_of_progress"] == 10.0 and c["within_months"] == 12.0)

    a, b = fast(low), fast(high)
    assert b["posterior"] - a["posterior"] > 3 * np.hypot(a["mcse"], b["mcse"]), (a, b)
    assert low["hard_takeoff"]["posterior"] <= high["hard_takeoff"]["posterior"] + 3 * np.hypot(
        low["hard_takeoff"]["mcse"], high["hard_takeoff"]["mcse"])
