"""Sensitivity: the tornado moves P(hard takeoff) in the directions the model implies,
parameters outside the simulation have zero swing, and power-scaling groups are saved."""

import subprocess
import sys

import numpy as np
import pytest

from foomcalc.analysis.result import load_result, save_result
from foomcalc.analysis.run import run_analysis
from foomcalc.analysis.sensitivity import add_sensitivity
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.reporting.sensitivity import hangs_on, sensitivity_summary, tornado_rows
from foomcalc.reporting.summary import summarize


@pytest.fixture(scope="module")
def prior_only(default_priors):
    priors = default_priors
    result = run_analysis(priors, [], seed=2, settings=SamplerSettings(draws=500),
                          n_prior_draws=1000)
    return add_sensitivity(result, priors, [])


def test_tornado_directions_and_zero_swings(prior_only):
    t = tornado_rows(prior_only)
    rows = {r["parameter"]: r for r in t["rows"]}
    # a bigger capability factor is a bigger gap: fewer hard takeoffs (by >= 2 pp here)
    assert rows["capability_factor"]["p_low"] - rows["capability_factor"]["p_high"] > 0.02
    # a bigger speed-up and a bigger instant jump: more hard takeoffs
    assert rows["speedup"]["p_high"] > rows["speedup"]["p_low"]
    assert rows["instant_jump_ooms"]["p_high"] > rows["instant_jump_ooms"]["p_low"]
    # parameters that enter neither simulator nor gap: exactly no swing
    for name in ("scaling_E", "scaling_A", "scaling_B", "returns_tau"):
        assert rows[name]["swing"] == 0.0
    assert "gap_years" not in rows  # issue 11: the default mixture gives "years" no weight
    assert [r["swing"] for r in t["rows"]] == sorted((r["swing"] for r in t["rows"]),
                                                      reverse=True)
    assert rows["speedup"]["low_value"] < rows["speedup"]["high_value"]


def test_no_evidence_means_no_power_scaling_and_a_sentence(prior_only):
    s = sensitivity_summary(prior_only)
    assert s["power_scaling"] is None
    top = s["tornado"]["rows"][0]["parameter"]
    assert top in s["hangs_on"] and "prior's alone" in s["hangs_on"]


def test_hangs_on_when_nothing_moves():
    flat = {"rows": [{"parameter": "x", "p_low": 0.1, "p_high": 0.101, "swing": 0.001}]}
    assert "No single parameter" in hangs_on(flat, None, True)


@pytest.mark.slow
def test_power_scaling_saved_and_summarised(tmp_path, default_priors, bundled):
    priors, evidence = default_priors, bundled
    result = add_sensitivity(run_analysis(priors, evidence, seed=4,
                                          settings=SamplerSettings(draws=300),
                                          n_prior_draws=1000), priors, evidence)
    save_result(result, tmp_path / "posterior.nc")
    loaded = load_result(tmp_path)
    for group in ("sensitivity_tornado", "log_prior", "log_likelihood"):
        assert group in loaded
    assert set(loaded["log_prior"].to_dataset().data_vars) >= {"returns_r", "scaling_a"}
    s = summarize(loaded)
    assert s["schema_version"] == "1.3"  # 1.3: speed_up, gap_axis, basis (summary-schema.md)
    rows = {r["variable"]: r for r in s["sensitivity"]["power_scaling"]["rows"]}
    assert "hard_takeoff" in rows and "returns_r" in rows
    for r in rows.values():
        assert r["prior"] >= 0 and r["likelihood"] >= 0
    # scaling exponents are pinned down by the scaling fits: more likelihood- than
    # prior-sensitive
    assert rows["scaling_a"]["likelihood"] > rows["scaling_a"]["prior"]

    # issue 14: evidence-informed parameters are pinned at posterior, not prior, q10/q90
    torn = loaded["sensitivity_tornado"].to_dataset()
    informed = set(torn.attrs["posterior_quantile_parameters"])
    assert {"returns_r", "scaling_a"} <= informed and "speedup" not in informed
    draws = loaded["posterior"]["scaling_a"].values
    low = float(torn["low_value"].sel(parameter="scaling_a"))
    assert low == pytest.approx(float(np.quantile(draws, 0.1)))
    assert low != pytest.approx(priors.specs["scaling_a"].quantile(0.1), rel=1e-3)


def test_analysis_does_not_import_its_readers():
    """No cycle analysis -> sensitivity -> reweight -> analysis: sensitivity, reweight and
    the reports read results; the analysis imports none of them."""
    code = ("import sys, foomcalc.analysis.run; "
            "print(sorted(m for m in ('foomcalc.analysis.sensitivity', "
            "'foomcalc.analysis.reweight', 'foomcalc.reporting.summary', "
            "'foomcalc.reporting.report', 'foomcalc.reporting.comparison') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_undefined_power_scaling_of_a_constant_answer_is_reported_not_nan():
    """deep-learning-sceptic's per-draw P(hard takeoff) is 0 in every draw, so its
    power-scaling distance is undefined: the row carries None (JSON null, "n/a" in the
    report) and the sentence skips it, instead of NaN breaking summary.json."""
    from foomcalc.reporting.report import number

    rows = [{"variable": "hard_takeoff", "prior": None, "likelihood": None,
             "diagnosis": "not defined (constant draws)"}]
    assert "power-scaling" not in hangs_on(None, rows, True)
    assert number(None) == "n/a"


def test_log_likelihood_group_equals_pymc(tmp_path, monkeypatch, default_priors, bundled):
    """The cached-graph pointwise log-likelihood equals `pm.compute_log_likelihood` on the
    default model with the bundled evidence, at prior draws (vector and scalar draws)."""
    import pymc as pm
    import xarray as xr

    from foomcalc.inference import graph_cache
    from foomcalc.inference.model import build_model
    from foomcalc.inference.pointwise import pointwise_log_likelihood

    monkeypatch.setattr(graph_cache, "cache_dir", lambda: tmp_path)
    priors, evidence = default_priors, bundled
    model = build_model(priors, evidence)
    with model:
        draws = pm.sample_prior_predictive(draws=6, random_seed=3)["prior"].to_dataset()
    names = [rv.name for rv in model.free_RVs]
    posterior = draws[names].isel(chain=[0, 0]).assign_coords(chain=[0, 1])
    expected = pm.compute_log_likelihood(xr.DataTree.from_dict({"posterior": posterior}),
                                         model=model, extend_inferencedata=False,
                                         progressbar=False)
    expected = expected.to_dataset() if isinstance(expected, xr.DataTree) else expected
    for _attempt in range(2):  # a cache miss, then a hit
        got = pointwise_log_likelihood(priors, evidence, posterior)
        assert set(got.data_vars) == set(expected.data_vars)
        for name in expected.data_vars:
            np.testing.assert_allclose(got[name].values, expected[name].values, rtol=1e-10,
                                       atol=1e-10)
