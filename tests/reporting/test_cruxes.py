"""compare calls a crux only when a shift exceeds its Monte Carlo error: a strong change
(speed-up) is one, small ones are not, and with only small ones the comparison says no
single parameter explains the difference. Results without evidence (no NUTS)."""

from __future__ import annotations

import pytest

from foomcalc.analysis.run import run_analysis
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.priors import load_preset, priors_from_dict
from foomcalc.reporting.comparison import CRUX_MCSE, biggest_crux, crux_rows

SMALL = {"parallel_penalty": {"dist": "Beta", "alpha": 3.1, "beta": 7, "source": "x"},
         "compute_during_takeoff": {"dist": "Beta", "alpha": 2.1, "beta": 2, "source": "x"}}
FAST = {"speedup": {"quantiles": {10: 10, 90: 100}, "dist": "ShiftedLogNormal",
                    "source": "x"}}


def result(params: dict, seed: int):
    priors = priors_from_dict({"name": f"p{seed}", "base": "default", "parameters": params})
    return run_analysis(priors, [], seed=seed, settings=SamplerSettings(draws=500),
                        n_prior_draws=100)


@pytest.fixture(scope="module")
def default_result():
    return run_analysis(load_preset("default"), [], seed=1, settings=SamplerSettings(draws=500),
                        n_prior_draws=100)


def test_only_shifts_beyond_their_error_are_cruxes(default_result):
    rows = crux_rows(default_result, result({**SMALL, **FAST}, 2))
    by_name = {r["parameter"]: r for r in rows}
    assert set(by_name) == {"speedup", *SMALL}
    assert by_name["speedup"]["crux"]
    for name in SMALL:
        r = by_name[name]
        assert not r["crux"], r
        assert r["shift_mcse_a"] > 0 and abs(r["shift_a"]) <= CRUX_MCSE * r["shift_mcse_a"]
    assert biggest_crux("A", "B", rows).startswith("The biggest crux is speedup")


def test_with_only_small_differences_no_parameter_is_named(default_result):
    rows = crux_rows(default_result, result(SMALL, 3))
    assert rows and not any(r["crux"] for r in rows)
    assert biggest_crux("A", "B", rows).startswith(
        "No single parameter explains the difference between A and B")


def test_differing_correlations_are_a_row(default_result):
    corr = priors_from_dict({"name": "c", "base": "default",
                             "correlations": [["returns_r", "limit_ooms", 0.6]]})
    other = run_analysis(corr, [], seed=4, settings=SamplerSettings(draws=500),
                         n_prior_draws=100)
    rows = crux_rows(default_result, other)
    row = next(r for r in rows if r["parameter"] == "correlations")
    assert (row["prior_a"], row["prior_b"]) == ("none", "returns_r~limit_ooms 0.6")
    assert row["method_a"] == "exact" and row["method_b"] == "exact"
