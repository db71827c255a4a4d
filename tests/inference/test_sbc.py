"""Small simulation-based calibration of every likelihood term (the full one: make validate).

N_SIMS simulations per model: too few to see subtle miscalibration, enough to see a
broken likelihood, a fit that ignores its data, or a swapped sign; the negative
control shows the check has that power. Tolerances: every parameter's ECDF-PIT
uniformity p-value (`calibration.uniformity`) >= 0.001; parameters the data inform
contract (posterior variance at most 70-95% of the prior's, see MIN_CONTRACTION).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

from foomcalc.inference.calibration import (
    CASES,
    N_RANK_DRAWS,
    SbcCase,
    ranks_of,
    run_case,
    thin,
    uniformity,
)
from foomcalc.inference.terms.observations import simulate_observations

pytestmark = pytest.mark.slow
N_SIMS = {"scaling-law fit": 20}
DEFAULT_SIMS = 30
MIN_P = 0.001
STRONG = ((0.9, 0.1), (0.85, 0.15), (0.8, 0.2))
#: Parameters the small designs must inform (mean contraction over the simulations).
MIN_CONTRACTION = {
    "scaling_a": 0.3, "scaling_E": 0.05, "compute_growth_per_year": 0.2, "returns_r": 0.3,
    "software_doubling_months": 0.3, "compute_during_takeoff": 0.3, "retrain_months": 0.3,
    "substitution_elasticity": 0.3, "compute_share": 0.5, "instant_jump_ooms": 0.15,
}


def test_ranks_and_thinning():
    draws = np.arange(10.0)[:, None] * np.ones((1, 3))
    assert ranks_of(np.array([-1.0, 4.5, 20.0]), draws).tolist() == [0, 5, 10]
    chains = np.arange(2 * 500).reshape(2, 500)
    kept = thin(chains)
    assert len(kept) == N_RANK_DRAWS and kept[0] == 0 and kept[-1] == 999


def test_uniformity_test_accepts_uniform_and_rejects_each_miscalibration():
    """Uniform ranks pass; the three SBC failure shapes (Talts et al. 2018, fig. 4-6) fail
    both the p-value and the ECDF band: biased (a max of two ranks), an overconfident
    posterior (ranks piled at the ends) and an underconfident one (piled in the middle)."""
    rng = np.random.default_rng(0)
    uniform = rng.integers(0, N_RANK_DRAWS + 1, 200)
    biased = rng.integers(0, N_RANK_DRAWS + 1, (200, 2)).max(axis=1)
    ends = np.where(rng.uniform(size=200) < 0.3, rng.choice([0, N_RANK_DRAWS], 200), uniform)
    middle = np.clip(np.round(rng.normal(N_RANK_DRAWS / 2, 12, 200)), 0, N_RANK_DRAWS)
    t = uniformity(uniform)
    assert t["p_value"] > 0.01 and t["outside_band"] == 0.0 and t["ks"] < 0.1
    for ranks in (biased, ends, middle):
        t = uniformity(ranks.astype(int))
        assert t["p_value"] < 1e-6 and t["outside_band"] == 1.0
    assert uniformity(uniform) == uniformity(uniform.copy())  # seeded: reproducible


@functools.cache
def _result(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_case(CASES[name], N_SIMS.get(name, DEFAULT_SIMS), seed=7)


@pytest.mark.parametrize("name", list(CASES))
def test_small_sbc_is_uniform_and_informed(name):
    result = _result(name)
    bad = {k: t["p_value"] for k, t in result.tests.items() if t["p_value"] < MIN_P}
    assert not bad, f"{name}: rank histograms not uniform: {bad}"
    for param, least in MIN_CONTRACTION.items():
        if param in result.contraction:
            assert result.contraction[param] >= least, (param, result.contraction[param])
    # max r_hat over all of a fit's parameters (up to 9 here) at 2 chains x 500 draws: its
    # median over healthy fits is ~1.01-1.02 (game frontier at 200 sims: docs/validation.md)
    assert np.median(result.max_r_hat) < 1.03


def test_negative_control_detects_a_sign_error():
    """Simulating evidence with the likelihood ratio's sign flipped must fail the SBC."""
    case = CASES["observations"]

    def inverted(model, n, seed):  # informative signals (likelihood ratios 4-9), sign flipped
        return simulate_observations(model, n, seed, signals=STRONG, invert=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_case(SbcCase(case.name, case.kind, case.design), 60, seed=3,
                          simulate=inverted)
    assert result.tests["p_rsi_feasible"]["p_value"] < MIN_P


@pytest.mark.slow
def test_sbc_on_dask_gives_the_same_ranks():
    """`make validate`'s SBC through dask tasks (one compiled model per worker) gives
    exactly the ranks of the in-process loop (same per-simulation seeds)."""
    from distributed import Client, LocalCluster

    case = CASES["returns random effects"]
    local = run_case(case, 3, seed=11)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as lc, Client(lc) as client:
        remote = run_case(case, 3, seed=11, client=client)
    assert local.ranks.keys() == remote.ranks.keys()
    for name in local.ranks:
        assert list(local.ranks[name]) == list(remote.ranks[name])
