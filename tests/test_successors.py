"""Capability realised at successor-training boundaries: closed forms and brute force."""

import numpy as np
import pytest

from foomcalc.simulate import first_passage_months, max_progress_in_window, simulate_takeoff
from foomcalc.successors import realised_first_passage, realised_max_progress_in_window


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


@pytest.mark.parametrize("window", [1.0, 4.0, 12.0])
def test_max_progress_agrees_with_brute_force(window):
    paths, retrain = paths_for(30, seed=2)
    got = realised_max_progress_in_window(paths, retrain, window)
    step = 0.005
    grid = np.arange(0, 60 + step / 2, step)
    realised = realised_on_grid(paths, retrain, grid)
    lag = round(window / step)
    gains = realised[:, lag:] - realised[:, :-lag]
    brute = np.maximum(gains.max(axis=1), realised[:, lag - 1])  # also windows from t = 0-
    assert np.all(got >= brute - 1e-9)
    np.testing.assert_allclose(got, brute, atol=1e-6)


def test_tiny_retrain_tends_to_continuous_path():
    paths, retrain = paths_for(20, seed=3, retrain=1e-6)
    gap = np.full(20, 1.5)
    discovered = first_passage_months(paths, gap)
    np.testing.assert_allclose(realised_first_passage(discovered, retrain, 60.0), discovered,
                               atol=1e-5)
    np.testing.assert_allclose(realised_max_progress_in_window(paths, retrain, 4.0),
                               max_progress_in_window(paths, 4.0))


def test_successors_never_faster_than_discovery():
    paths, retrain = paths_for(200, seed=4)
    gap = np.full(200, 2.5)
    discovered = first_passage_months(paths, gap)
    assert np.all(realised_first_passage(discovered, retrain, 60.0) >= discovered)
