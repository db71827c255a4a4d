"""Capability realised at successor-training boundaries: closed forms and brute force."""

import numpy as np

from foomcalc.takeoff.outcomes import compute_outcomes
from foomcalc.takeoff.successors import realised_first_passage
from tests.oracles.simulate import first_passage_months, simulate_takeoff


def paths_for(n: int, seed: int = 0, retrain=None):
    rng = np.random.default_rng(seed)
    retrain = rng.uniform(0.5, 6.0, n) if retrain is None else np.broadcast_to(retrain, (n,))
    params = dict(
        returns_r=rng.uniform(0.5, 2.5, n), parallel_penalty=rng.uniform(0.15, 0.6, n),
        speedup=rng.uniform(2, 30, n), instant_jump_ooms=rng.choice([0.0, 0.5], n),
        limit_ooms=rng.uniform(5, 30, n), software_doubling_months=rng.uniform(3, 12, n),
        compute_growth_per_year=rng.uniform(2, 6, n), compute_during_takeoff=rng.uniform(0, 1, n),
    )
    paths = simulate_takeoff(rsi_feasible=np.zeros(n, bool), retrain_months=retrain,
                             horizon_months=60.0, **params)
    return paths, np.asarray(retrain, dtype=float)


def realised_on_grid(paths, retrain, grid):
    """Brute force: realised(t) = P(R floor(t/R)) on a time grid, per draw."""
    out = np.empty((paths.months.shape[0], grid.size))
    for i in range(paths.months.shape[0]):
        at = retrain[i] * np.floor(grid / retrain[i] + 1e-12)
        t, p = paths.months[i], paths.progress_ooms[i]
        out[i] = np.interp(at, t, p)
        out[i, at == 0] = p[t <= 0].max()  # after the jump at t = 0
    return out


def test_first_passage_is_next_boundary():
    t = np.array([0.0, 0.4, 1.0, 2.5, np.inf, 59.0])
    got = realised_first_passage(t, 1.0, horizon_months=58.5)
    assert got.tolist() == [0.0, 1.0, 1.0, 3.0, np.inf, np.inf]


def test_first_passage_agrees_with_brute_force():
    paths, retrain = paths_for(40, seed=1)
    gap = np.full(40, 2.0)
    got = realised_first_passage(first_passage_months(paths, gap), retrain, 60.0)
    grid = np.linspace(0, 60, 60_001)
    realised = realised_on_grid(paths, retrain, grid)
    hit = realised >= gap[:, None] - 1e-12
    brute = np.where(hit.any(axis=1), grid[np.argmax(hit, axis=1)], np.inf)
    np.testing.assert_allclose(got, brute, atol=2e-3)


def test_tiny_retrain_tends_to_continuous_path():
    paths, retrain = paths_for(20, seed=3, retrain=1e-6)
    gap = np.full(20, 1.5)
    discovered = first_passage_months(paths, gap)
    np.testing.assert_allclose(realised_first_passage(discovered, retrain, 60.0), discovered,
                               atol=1e-5)


def test_successors_never_faster_than_discovery():
    paths, retrain = paths_for(200, seed=4)
    gap = np.full(200, 2.5)
    discovered = first_passage_months(paths, gap)
    assert np.all(realised_first_passage(discovered, retrain, 60.0) >= discovered)


def outcome_draws(n: int, retrain_months: float, seed: int = 5) -> dict:
    """Wide random draws, no seed-AI RSI, one retraining latency for all."""
    rng = np.random.default_rng(seed)
    return dict(
        p_rsi_feasible=np.zeros(n), retrain_months=np.full(n, retrain_months),
        returns_r=np.exp(rng.normal(0.0, 0.6, n)), parallel_penalty=rng.uniform(0.15, 0.6, n),
        speedup=np.exp(rng.uniform(np.log(2), np.log(32), n)),
        instant_jump_ooms=rng.exponential(0.3, n), limit_ooms=rng.uniform(14, 38, n),
        software_doubling_months=rng.uniform(3, 12, n),
        compute_growth_per_year=rng.uniform(2, 6, n), compute_during_takeoff=rng.uniform(0, 1, n),
        gap_years=rng.uniform(1, 10, n),
        compute_share=np.zeros(n), substitution_elasticity=np.full(n, np.inf),  # issue 10: off
    )


def test_more_latency_never_raises_compression():
    """Issue 14 bug 1: counting each successor release as instant progress made
    P(>= 1 year in <= 1 month) *rise* with latency (0.32 -> 0.995 for 0.01 -> 20 months).
    On the discovered research path no grid cell may rise. Per draw, monotonicity is not
    exact: with r > 1 a longer generation can end its catch-up at a level where the
    recursion runs slightly faster (one draw in 2,000 at (10 years, 1 month), 9 -> 20
    months), so the probability may rise by at most 0.1 percentage point."""
    previous = None
    for retrain in (0.01, 1.0, 3.0, 9.0, 20.0):
        out = compute_outcomes(outcome_draws(2000, retrain), gap_from="years")
        probability = out["compressed_infeasible"].mean(axis=0)
        if previous is not None:
            assert np.all(probability <= previous + 0.001), (retrain, probability, previous)
        previous = probability
    assert previous[0] < 0.35  # was 0.995 with the step-function metric at 20 months


def test_releases_are_not_an_intelligence_explosion():
    """A sceptic's world (r well below 1, small speed-up, no overhang, retraining of 9
    months): ordinary releases of a year of progress must not count as >= 1 year of
    progress within 1 month (the old step-function metric said ~38%)."""
    n = 1000
    draws = outcome_draws(n, 9.0, seed=7)
    draws.update(returns_r=np.full(n, 0.5), speedup=np.full(n, 2.0),
                 instant_jump_ooms=np.zeros(n))
    out = compute_outcomes(draws, gap_from="years", compression=[(1.0, 1.0)])
    assert out["compressed_infeasible"].mean() == 0.0
