"""Sensitivity: the tornado moves P(hard takeoff) in the directions the model implies,
parameters outside the simulation have zero swing, and power-scaling groups are saved."""

import pytest

from foomcalc.analysis import run_analysis
from foomcalc.evidence import bundled_evidence
from foomcalc.priors import load_preset
from foomcalc.result import load_result, save_result
from foomcalc.sampling import SamplerSettings
from foomcalc.sensitivity import hangs_on, sensitivity_summary, tornado_rows
from foomcalc.summary import summarize


@pytest.fixture(scope="module")
def prior_only():
    return run_analysis(load_preset("default"), [], seed=2, settings=SamplerSettings(draws=500),
                        n_prior_draws=1000)


def test_tornado_directions_and_zero_swings(prior_only):
    t = tornado_rows(prior_only)
    rows = {r["parameter"]: r for r in t["rows"]}
    # a bigger capability factor is a bigger gap: fewer hard takeoffs (by >= 3 pp here)
    assert rows["capability_factor"]["p_low"] - rows["capability_factor"]["p_high"] > 0.03
    # a bigger speed-up and a bigger instant jump: more hard takeoffs
    assert rows["speedup"]["p_high"] > rows["speedup"]["p_low"]
    assert rows["instant_jump_ooms"]["p_high"] > rows["instant_jump_ooms"]["p_low"]
    # parameters that enter neither simulator nor gap: exactly no swing
    for name in ("scaling_E", "scaling_A", "scaling_B", "returns_tau", "gap_years"):
        assert rows[name]["swing"] == 0.0
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
def test_power_scaling_saved_and_summarised(tmp_path):
    result = run_analysis(load_preset("default"), bundled_evidence(), seed=4,
                          settings=SamplerSettings(draws=300), n_prior_draws=1000)
    save_result(result, tmp_path / "posterior.nc")
    loaded = load_result(tmp_path)
    for group in ("sensitivity_tornado", "log_prior", "log_likelihood"):
        assert group in loaded
    assert set(loaded["log_prior"].to_dataset().data_vars) >= {"returns_r", "scaling_a"}
    s = summarize(loaded)
    assert s["schema_version"] == "1.2"  # 1.2: issue 11 fields (docs/summary-schema.md)
    rows = {r["variable"]: r for r in s["sensitivity"]["power_scaling"]["rows"]}
    assert "hard_takeoff" in rows and "returns_r" in rows
    for r in rows.values():
        assert r["prior"] >= 0 and r["likelihood"] >= 0
    # scaling exponents are pinned down by the scaling fits: more likelihood- than
    # prior-sensitive
    assert rows["scaling_a"]["likelihood"] > rows["scaling_a"]["prior"]
