"""The survey's "what drives the disagreement" shares: Shapley (LMG) shares of R^2 are
never negative and sum to R^2, also with a suppressor, where Pratt's measure (used
before) gives a negative share."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from foomcalc.survey.report import decomposition, r_squared, shapley_shares


def suppressor(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = x1 - 0.6 x2 + noise with x2 = 0.8 x1 + noise: x2 alone correlates with y
    positively but enters negatively (a suppressor; Pratt's share of x2 < 0)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = 0.8 * x1 + 0.6 * rng.normal(size=n)
    x3 = rng.normal(size=n)
    y = x1 - 0.6 * x2 + 0.3 * x3 + 0.5 * rng.normal(size=n)
    x = np.column_stack([x1, x2, x3])
    x = (x - x.mean(0)) / x.std(0)
    return x, (y - y.mean()) / y.std()


def test_shapley_shares_by_brute_force_over_orders():
    x, y = suppressor()
    p = x.shape[1]
    brute = np.zeros(p)
    for order in itertools.permutations(range(p)):
        for k, j in enumerate(order):
            before = list(order[:k])
            brute[j] += r_squared(x[:, [*before, j]], y) - r_squared(x[:, before], y)
    brute /= math.factorial(p)
    np.testing.assert_allclose(shapley_shares(x, y), brute, rtol=1e-10)


def test_shares_are_non_negative_and_sum_to_r_squared():
    x, y = suppressor()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    pratt = beta * (x.T @ y / len(y))
    assert pratt[1] < 0  # the old measure's negative share
    shares = shapley_shares(x, y)
    assert (shares >= 0).all()
    assert shares.sum() == pytest.approx(r_squared(x, y), rel=1e-10)


def test_decomposition_of_survey_rows_reports_shapley_shares():
    x, y = suppressor(60, seed=1)
    rows = [{"posterior_hard_takeoff": 1 / (1 + math.exp(-v)),
             "prior_medians": {"returns_r": math.exp(a), "speedup": 1 + math.exp(b),
                               "limit_ooms": math.exp(c)}}
            for v, (a, b, c) in zip(y, x, strict=True)]
    for r in rows:  # every other parameter the same for everyone (not a column)
        r["prior_medians"].update({k: 1.0 for k in ("p_rsi_feasible", "retrain_months")})
    from foomcalc.parameters import PARAMETERS

    for r in rows:
        r["prior_medians"] = {k: r["prior_medians"].get(k, 1.0) for k in PARAMETERS}
    dec = decomposition(rows)
    assert dec["method"] == "shapley"
    assert all(s["share"] >= 0 for s in dec["shares"])
    assert sum(s["share"] for s in dec["shares"]) == pytest.approx(dec["r_squared"])
