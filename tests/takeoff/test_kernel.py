"""The compiled kernel against the per-draw oracle (simulate_loop) and the numpy simulator:
first passages, window maxima and the outcomes built on them, on random draws spanning
every simulator parameter (both RSI branches, latency, jump, limit, compute growth, CES)."""

from __future__ import annotations

import numpy as np
import pytest

from foomcalc.takeoff import kernel
from foomcalc.takeoff.kernel import kernel_outcomes, takeoff_outcomes
from foomcalc.takeoff.outcomes import compute_outcomes, gap_ooms, simulator_inputs
from foomcalc.takeoff.params import broadcast_params
from foomcalc.takeoff.successors import realised_first_passage
from tests.oracles.draws import reference_params
from tests.oracles.simulate import (
    TakeoffPaths,
    first_passage_months,
    max_progress_in_window,
    path_lengths,
    recent_rate_ooms_per_year,
    simulate_takeoff,
)
from tests.oracles.simulate_loop import (
    first_passage_months_loop,
    max_progress_in_window_loop,
    simulate_takeoff_loop,
)

WINDOWS = (0.25, 1.0, 4.0, 12.0, 500.0)
TOL = dict(rtol=1e-12, atol=1e-12)


def _wide_params(rng, n):
    """Every simulator input over a wide range; a share of draws at the special values
    (compute frozen, no compute share, sigma = 1 i.e. Cobb-Douglas, sigma = inf, no jump,
    no limit, r = 0, p = 0)."""
    def some(values, p):
        return np.where(rng.random(n) < p, values, 1.0)

    return dict(
        rsi_feasible=rng.random(n) < 0.5,
        retrain_months=np.exp(rng.uniform(np.log(0.01), np.log(24.0), n)),
        returns_r=np.exp(rng.uniform(np.log(0.2), np.log(5.0), n)) * (rng.random(n) > 0.02),
        parallel_penalty=rng.uniform(0.0, 1.0, n) * (rng.random(n) > 0.03),
        speedup=np.exp(rng.uniform(0.0, np.log(100.0), n)),
        instant_jump_ooms=rng.exponential(1.0, n) * (rng.random(n) < 0.5),
        limit_ooms=rng.uniform(0.0, 60.0, n) * some(0.0, 0.03),
        software_doubling_months=rng.uniform(2.0, 12.0, n),
        compute_growth_per_year=rng.uniform(1.0, 6.0, n),
        compute_during_takeoff=rng.uniform(0.0, 1.0, n) * (rng.random(n) < 0.8),
        compute_share=rng.uniform(0.0, 0.9, n) * (rng.random(n) < 0.85),
        substitution_elasticity=np.select(
            [rng.random(n) < 0.1, rng.random(n) < 0.1], [1.0, np.inf],
            np.exp(rng.uniform(np.log(0.05), np.log(50.0), n))),
    )


def _gaps(rng, n):
    """Gaps from below zero (covered at t = 0) to beyond any path, one column each."""
    return np.stack([np.full(n, -1.0), np.full(n, 0.0), rng.uniform(0.0, 3.0, n),
                     rng.uniform(0.0, 30.0, n), np.full(n, 400.0)], axis=1)


def _oracle_windows(paths, w):
    """The oracle's window search row by row, each row without its padding (the same
    maxima, tests/test_simulate.py; the padded search is slow on a few very long rows)."""
    lengths = path_lengths(paths)
    return np.array([max_progress_in_window_loop(TakeoffPaths(
        paths.months[i:i + 1, :k], paths.progress_ooms[i:i + 1, :k]), w)[0]
        for i, k in enumerate(lengths)])


def _assert_matches_paths(out, paths, gaps, passage, window):
    for g in range(gaps.shape[1]):
        a, b = out.first_passage_months[:, g], passage(paths, gaps[:, g])
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
        np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], **TOL)
    for k, w in enumerate(WINDOWS):
        np.testing.assert_allclose(out.window_gain_ooms[:, k], window(paths, w), **TOL)


def test_kernel_equals_per_draw_oracle_on_wide_random_draws():
    rng = np.random.default_rng(130)
    prm = _wide_params(rng, 400)
    gaps = _gaps(rng, 400)
    out = takeoff_outcomes(**prm, gap_ooms=gaps, window_months=WINDOWS)
    assert out.first_passage_months.shape == (400, 5)
    assert out.window_gain_ooms.shape == (400, len(WINDOWS))
    assert np.isinf(out.first_passage_months[:, -1]).any()  # the far gap is missed...
    assert (out.first_passage_months[:, 2:4] > 0).mean() > 0.5  # ... the others mostly hit
    _assert_matches_paths(out, simulate_takeoff_loop(**prm), gaps, first_passage_months_loop,
                          _oracle_windows)


def test_kernel_equals_vectorised_simulator():
    """The numpy simulator is the second oracle (it interpolates with row offsets, so
    window maxima agree to ~1e-11 months of rounding, not to the last bit)."""
    rng = np.random.default_rng(131)
    prm = _wide_params(rng, 300)
    gaps = _gaps(rng, 300)
    out = takeoff_outcomes(**prm, gap_ooms=gaps, window_months=WINDOWS)
    paths = simulate_takeoff(**prm)
    for g in range(gaps.shape[1]):
        a, b = out.first_passage_months[:, g], first_passage_months(paths, gaps[:, g])
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
        np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=1e-9, atol=1e-9)
    for k, w in enumerate(WINDOWS):
        np.testing.assert_allclose(out.window_gain_ooms[:, k], max_progress_in_window(paths, w),
                                   rtol=1e-9, atol=1e-8)


def test_extreme_draws_and_the_longest_paths():
    """Returns near 0 and 50, penalty 0 and 1, limits beyond MAX_SOFTWARE_DOUBLINGS,
    sigma 1e-3; and paths of ~2 breakpoints per doubling for 1000 doublings (a successor
    boundary inside nearly every doubling), the scratch buffer's worst case."""
    rng = np.random.default_rng(132)
    prm = _wide_params(rng, 80) | {
        "returns_r": np.concatenate([np.full(40, 1e-6), np.full(40, 50.0)]),
        "parallel_penalty": np.concatenate([np.zeros(20), np.ones(60)]),
        "limit_ooms": np.tile([40.0, 1e6], 40),
        "substitution_elasticity": np.tile([1e-3, np.inf, 0.5, 1.0], 20),
    }
    long = reference_params(rsi_feasible=False, retrain_months=np.array([0.05, 0.07, 0.09]),
                   returns_r=1.0, parallel_penalty=0.0, speedup=30.0, limit_ooms=1e6,
                   compute_during_takeoff=0.5, instant_jump_ooms=0.3, compute_share=0.3,
                   substitution_elasticity=2.0)
    prm = {k: np.concatenate([np.broadcast_to(v, (80,)), np.broadcast_to(long[k], (3,))])
           for k, v in prm.items()}
    paths = simulate_takeoff_loop(**prm)
    assert paths.months.shape[1] > 1900  # the long rows nearly fill the buffer
    gaps = _gaps(rng, 83)
    with np.errstate(all="raise"):
        out = takeoff_outcomes(**prm, gap_ooms=gaps, window_months=WINDOWS)
    _assert_matches_paths(out, paths, gaps, first_passage_months_loop, _oracle_windows)


def _reference_outcomes(draws, gap_from, gap_weights, compression, horizon):
    """compute_outcomes the old way: paths of the per-draw oracle, then measured."""
    inputs = simulator_inputs(draws)
    n = inputs["speedup"].size
    gap = np.broadcast_to(gap_ooms(draws, gap_from, gap_weights), (n,))
    rate = recent_rate_ooms_per_year(inputs["software_doubling_months"],
                                     inputs["compute_growth_per_year"])
    out = {}
    for branch, feasible in (("feasible", True), ("infeasible", False)):
        paths = simulate_takeoff_loop(rsi_feasible=feasible, horizon_months=horizon, **inputs)
        discovered = first_passage_months_loop(paths, gap)
        out[f"takeoff_months_{branch}"] = discovered if feasible else realised_first_passage(
            discovered, inputs["retrain_months"], horizon)
        gain = {months: _oracle_windows(paths, months) for months in {y for _, y in compression}}
        out[f"gain_{branch}"] = np.stack([gain[months] for _, months in compression], axis=1)
        out[f"threshold_{branch}"] = np.stack([years * rate for years, _ in compression], axis=1)
    return out


def test_compute_outcomes_equal_the_oracle_in_both_branches():
    """Takeoff times (first passage; the next successor boundary without RSI) and the nine
    compression flags per branch equal those measured on the oracle's paths (flags only
    away from exact ties with the threshold)."""
    rng = np.random.default_rng(133)
    n = 300
    prm = _wide_params(rng, n)
    del prm["rsi_feasible"]
    draws = prm | {"p_rsi_feasible": rng.uniform(0.0, 1.0, n),
                   "gap_years": np.exp(rng.uniform(np.log(0.3), np.log(10.0), n))}
    compression = [(x, y) for x in (1.0, 3.0, 10.0) for y in (1.0, 4.0, 12.0)]
    got = compute_outcomes(draws, gap_from="years", compression=compression,
                           horizon_months=120.0)
    ref = _reference_outcomes(draws, "years", None, compression, 120.0)
    for branch in ("feasible", "infeasible"):
        a, b = got[f"takeoff_months_{branch}"], ref[f"takeoff_months_{branch}"]
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
        np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], **TOL)
        gain, threshold = ref[f"gain_{branch}"], ref[f"threshold_{branch}"]
        clear = np.abs(gain - threshold) > 1e-9
        flags = got[f"compressed_{branch}"]
        assert flags.shape == (n, 9) and clear.mean() > 0.99
        np.testing.assert_array_equal(flags[clear], (gain >= threshold)[clear])
        assert 0 < flags.mean() < 1  # both answers occur


def test_draws_are_independent_of_how_they_are_split():
    """Worker threads take slices of the draws: any split gives the same numbers."""
    rng = np.random.default_rng(134)
    n = 3 * kernel._MIN_PART_DRAWS + 17  # split across threads
    prm = broadcast_params(**_wide_params(rng, n))
    gaps = _gaps(rng, n)
    whole = kernel_outcomes(prm, gaps, WINDOWS, 240.0)
    for a, b in ((0, 1), (1, 500), (500, n)):
        part = kernel_outcomes(type(prm)(**{k: v[a:b] for k, v in vars(prm).items()}),
                               gaps[a:b], WINDOWS, 240.0)
        np.testing.assert_array_equal(part.first_passage_months, whole.first_passage_months[a:b])
        np.testing.assert_array_equal(part.window_gain_ooms, whole.window_gain_ooms[a:b])


def test_one_compiled_specialisation_and_input_checks():
    """Scalars, lists, int and read-only (broadcast) inputs all reach the one compiled
    signature (each new one would cost a compile); bad windows and horizons raise."""
    base = reference_params()
    takeoff_outcomes(**base, gap_ooms=3.0, window_months=[12.0])
    takeoff_outcomes(**base | {"speedup": np.array([8, 9]), "returns_r": [1, 2]},
                     gap_ooms=np.broadcast_to(3.0, (2, 1)), window_months=(1, 4))
    readonly = np.linspace(1.0, 2.0, 5)
    readonly.flags.writeable = False
    takeoff_outcomes(**base | {"returns_r": readonly}, gap_ooms=readonly, window_months=())
    assert len(kernel._kernel.signatures) == 1
    for bad in ({"window_months": [0.0]}, {"window_months": [-1.0]}, {"horizon_months": 0.0}):
        with pytest.raises(ValueError):
            takeoff_outcomes(**base | {"gap_ooms": 1.0} | bad)
