"""Capability gap closed forms and the Rao-Blackwellised feasibility mixture."""

import numpy as np
import pytest
import xarray as xr

from foomcalc.takeoff.gap import (
    compute_optimal_exponent,
    gap_ooms_from_scaling,
    gap_ooms_from_years,
)
from foomcalc.takeoff.outcomes import (
    feasibility_weight,
    hard_takeoff_probability,
    takeoff_cdf,
    takeoff_quantiles,
)


def test_compute_optimal_exponent_chinchilla():
    # Hoffmann et al. 2022: a = 0.34, b = 0.28 -> alpha_C = ab/(a+b) = 0.1535...
    assert compute_optimal_exponent(0.34, 0.28) == pytest.approx(0.34 * 0.28 / 0.62)


def test_gap_from_scaling_closed_form_and_direction():
    # Dividing reducible loss by 10 with alpha_C = 0.25 (a = b = 0.5) takes 4 OOMs.
    assert gap_ooms_from_scaling(10.0, 0.5, 0.5) == pytest.approx(4.0)
    small = gap_ooms_from_scaling(3.0, 0.2, 0.2)
    large = gap_ooms_from_scaling(3.0, 0.4, 0.4)
    assert small > large  # sublinear returns to compute -> a bigger gap


def test_gap_from_years():
    assert gap_ooms_from_years(2.0, 1.5) == pytest.approx(3.0)


def test_feasibility_weight_is_bayes_rule():
    p, lr = 0.2, 4.0
    # posterior odds = prior odds * LR: 0.25 * 4 = 1 -> 0.5
    assert feasibility_weight(p, lr) == pytest.approx(0.5)
    assert feasibility_weight(np.array([0.0, 1.0]), 3.0).tolist() == [0.0, 1.0]
    assert feasibility_weight(0.3, 1.0) == pytest.approx(0.3)


def _outcomes(w, t1, t0):
    dims = ("chain", "draw")
    return xr.Dataset({
        "weight_feasible": (dims, np.atleast_2d(w)),
        "takeoff_months_feasible": (dims, np.atleast_2d(t1)),
        "takeoff_months_infeasible": (dims, np.atleast_2d(t0)),
    })


def test_hard_probability_mixes_branches():
    ds = _outcomes([0.25, 1.0], [0.1, 5.0], [10.0, 0.2])
    per_draw = hard_takeoff_probability(ds, window_days=30.0).values.ravel()
    # draw 0: feasible branch fast (0.1 months <= ~0.99), infeasible slow -> 0.25
    # draw 1: feasible for sure, 5 months > window -> 0
    assert per_draw.tolist() == pytest.approx([0.25, 0.0])


def test_cdf_and_quantiles_agree():
    rng = np.random.default_rng(1)
    n = 4000
    ds = _outcomes(rng.uniform(size=n), rng.lognormal(0, 1, n), rng.lognormal(2, 1, n))
    for q in (0.05, 0.5, 0.95):
        t = takeoff_quantiles(ds, [q])[0]
        assert takeoff_cdf(ds, np.array([t]))[0] == pytest.approx(q, abs=2e-3)


def test_quantiles_beyond_horizon_are_inf():
    ds = _outcomes([1.0, 1.0], [np.inf, np.inf], [np.inf, np.inf])
    assert takeoff_quantiles(ds, [0.5]) == [np.inf]
