"""Evidence files: parsing, validation messages, kind inference, hashing (fast, no sampling)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pymc as pm
import pytest

from foomcalc.errors import InputError
from foomcalc.evidence import files as ev_mod
from foomcalc.evidence.files import (
    bundled_evidence,
    load_evidence,
    parameters_informed,
    total_likelihood_ratio,
)
from foomcalc.inference.terms import add_evidence
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import data_dir

SCALING = "params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n"
TREND = "date,training_flop,notable\n2020-05-28,3e23,true\n2023.2,2e25,false\n"
RETURNS = ("domain,estimate,lower,upper,interval,citation\n"
           "chess,0.83,0.68,0.98,0.6827,Epoch 2024\nai-software,1.2,0.6,2.4,0.9,guess\n")
SUMMARY = ("parameter,estimate,lower,upper,interval,citation\n"
           "software_doubling_months,8.44,4.52,14.27,0.95,Ho 2024\n")
GROWTH = ("domain,efficiency_doubling_years,efficiency_doubling_years_lower,"
          "efficiency_doubling_years_upper,input_growth_per_year,input_growth_per_year_lower,"
          "input_growth_per_year_upper,interval,citation\n"
          "vision,0.75,0.5,1.2,0.1,0.07,0.13,0.9,Erdil 2022\n")
SUBSTITUTION = ("study,domain,estimate,se,citation\n"
                "ww-base,ai-research,2.583,1.0,Whitfill & Wu 2025\n"
                "ww-frontier,ai-research,-0.103,0.25,Whitfill & Wu 2025\n")
OBS = "name,likelihood_ratio,note\nretraining_needed,0.5,x\nscaffolds_work,1.5,y\n"


def write(tmp_path: Path, text: str, name: str = "ev.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_text(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        load_evidence(write(tmp_path, text))
    return str(info.value)


@pytest.mark.parametrize("text,kind", [(SCALING, "scaling"), (TREND, "compute_trend"),
                                       (RETURNS, "returns"), (SUMMARY, "summary"),
                                       (GROWTH, "growth_rates"), (OBS, "observations"),
                                       (SUBSTITUTION, "substitution")])
def test_kind_is_inferred_from_columns(tmp_path, text, kind):
    assert load_evidence(write(tmp_path, text)).kind == kind


def test_declared_kind_line_and_comments(tmp_path):
    ev = load_evidence(write(tmp_path, "# kind: scaling\n# a comment\n" + SCALING))
    assert ev.kind == "scaling" and len(ev.table) == 3
    assert ev.describe() == "scaling: 3 points from ev.csv"


def test_unknown_kind_suggests_a_kind(tmp_path):
    msg = error_text(tmp_path, "# kind: scalng\n" + SCALING)
    assert "unknown kind 'scalng'" in msg and "Did you mean 'scaling'" in msg


def test_unrecognised_columns_list_expected_kinds(tmp_path):
    msg = error_text(tmp_path, "foo,bar\n1,2\n")
    assert "cannot tell the evidence kind" in msg and "scaling: params, tokens, loss" in msg


def test_missing_column_is_named(tmp_path):
    msg = error_text(tmp_path, "# kind: returns\ndomain,estimate,lower,upper,citation\n"
                               "a,1,0.5,2,x\n")
    assert "missing column(s) interval" in msg and "ev.csv" in msg


def test_non_numeric_names_row_line_and_column(tmp_path):
    msg = error_text(tmp_path, "# kind: scaling\nparams,tokens,loss\n1e8,2e9,abc\n")
    assert "row 1 (line 3), column 'loss': 'abc' is not a number" in msg


def test_blank_and_nan_are_reported(tmp_path):
    msg = error_text(tmp_path, "params,tokens,loss\n1e8,,3\n1e8,2e9,nan\n")
    assert "column 'tokens': missing value" in msg and "column 'loss': missing value" in msg


def test_non_positive_values(tmp_path):
    msg = error_text(tmp_path, "params,tokens,loss\n1e8,2e9,-1\n")
    assert "column 'loss': -1 must be positive" in msg


def test_duplicate_rows(tmp_path):
    msg = error_text(tmp_path, "params,tokens,loss\n1e8,2e9,3\n1e8,2e9,3\n")
    assert "row 2 (line 3) duplicates row 1" in msg


def test_lower_not_below_upper_and_estimate_outside(tmp_path):
    msg = error_text(tmp_path, "domain,estimate,lower,upper,interval,citation\n"
                               "a,1,2,1,0.9,x\nb,3,1,2,0.9,y\n")
    assert "lower 2 must be below upper 1" in msg and "estimate 3 lies outside [1, 2]" in msg


def test_interval_given_as_percentage(tmp_path):
    msg = error_text(tmp_path, SUMMARY.replace("0.95", "95"))
    assert "It looks like a percentage; write 0.95" in msg


def test_unknown_parameter_did_you_mean(tmp_path):
    msg = error_text(tmp_path, SUMMARY.replace("software_doubling_months", "software_doubling"))
    assert "unknown parameter 'software_doubling'" in msg
    assert "Did you mean 'software_doubling_months'" in msg


def test_probability_parameter_outside_unit_interval(tmp_path):
    msg = error_text(tmp_path, "parameter,estimate,lower,upper,interval,citation\n"
                               "p_rsi_feasible,1.5,1.2,1.8,0.9,x\n")
    assert "must lie in [0, 1]" in msg


def test_log10_flop_unit_mistake(tmp_path):
    msg = error_text(tmp_path, "date,training_flop\n2020.4,23.5\n")
    assert "looks like log10 FLOP" in msg


def test_params_in_millions_unit_mistake(tmp_path):
    msg = error_text(tmp_path, "params,tokens,loss\n70,2e9,3\n")
    assert "looks like millions or log10" in msg


def test_bad_date(tmp_path):
    msg = error_text(tmp_path, "date,training_flop\nMay 2020,1e20\n1850.0,1e20\n")
    assert "neither an ISO date" in msg and "not a plausible year" in msg


def test_input_growth_as_percentage(tmp_path):
    msg = error_text(tmp_path, GROWTH.replace("0.1,0.07,0.13", "10,7,13"))
    assert "looks like a percentage" in msg


def test_observation_names_must_be_unique(tmp_path):
    msg = error_text(tmp_path, "name,likelihood_ratio\na,0.5\na,2\n")
    assert "'a' repeats row 1" in msg


def test_substitution_checks_se_and_implausible_elasticities(tmp_path):
    msg = error_text(tmp_path, SUBSTITUTION.replace("2.583,1.0", "2.583,0"))
    assert "row 1 (line 2), column 'se': 0 must be positive" in msg
    msg = error_text(tmp_path, SUBSTITUTION.replace("2.583", "258.3"))
    assert "column 'estimate': 258.3 is not a plausible elasticity" in msg
    table = load_evidence(write(tmp_path, SUBSTITUTION)).table
    assert table["estimate"].tolist() == [2.583, -0.103]  # a negative estimate is kept


@pytest.mark.parametrize("text", ["", "# only a comment\n", "params,tokens,loss\n"])
def test_empty_files(tmp_path, text):
    assert "empty file" in error_text(tmp_path, text)


def test_missing_file_and_not_utf8(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_evidence(tmp_path / "nope.csv")
    path = tmp_path / "latin.csv"
    path.write_bytes(b"params,tokens,loss\n1e8,2e9,3\xff\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_evidence(path)


def test_large_file_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv(ev_mod.MAX_MB.env, "1")
    msg = error_text(tmp_path, SCALING + "#" * 2**21)
    assert "evidence files are limited to 1 MB" in msg and ev_mod.MAX_MB.env in msg


def test_too_many_rows_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(ev_mod.MAX_ROWS.env, "2")
    msg = error_text(tmp_path, SCALING)
    assert "more than 2 rows" in msg and ev_mod.MAX_ROWS.env in msg


def test_compute_column_gives_tokens(tmp_path):
    ev = load_evidence(write(tmp_path, "params,compute,loss\n1e9,6e19,3\n"))
    assert ev.kind == "scaling" and np.isclose(ev.table["tokens"][0], 1e10)


def test_compute_only_scaling_refused(tmp_path):
    assert "compute-only" in error_text(tmp_path, "# kind: scaling\ncompute,loss\n1e20,3\n")


def test_dates_iso_and_decimal(tmp_path):
    t = load_evidence(write(tmp_path, TREND)).table
    assert abs(t["year"][0] - (2020 + 148 / 366)) < 1e-9 and t["year"][1] == 2023.2
    assert list(t["notable"]) == [True, False] and np.isclose(t["log10_flop"][1], np.log10(2e25))


def test_hash_label_and_path(tmp_path):
    path = write(tmp_path, SCALING, "my-data.csv")
    ev = load_evidence(path)
    assert ev.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ev.label == "my-data" and ev.path == str(path)


def test_total_likelihood_ratio_and_parameters_informed(tmp_path):
    obs = load_evidence(write(tmp_path, OBS, "o.csv"))
    ret = load_evidence(write(tmp_path, RETURNS, "r.csv"))
    assert total_likelihood_ratio([obs, ret]) == pytest.approx(0.75)
    assert total_likelihood_ratio([ret]) == 1.0
    assert parameters_informed([obs, ret]) == {"p_rsi_feasible", "returns_r", "returns_tau"}


def test_bundled_evidence_loads_with_citations():
    bundled = bundled_evidence()
    names = [Path(e.path).name for e in bundled]
    assert names == sorted(names)
    assert {"algorithmic_progress.csv", "compute_growth.csv", "returns_estimates.csv",
            "scaling_fits.csv", "substitution_estimates.csv"} <= set(names)
    for e in bundled:
        if "citation" in e.table.columns:
            assert e.table["citation"].str.len().min() > 20, e.path
        else:  # data tables (e.g. training_durations) cite their source in the header
            assert "# Source:" in Path(e.path).read_text(), e.path
    assert parameters_informed(bundled) <= set(PARAMETERS)


def test_examples_load():
    folder = data_dir() / "examples"
    kinds = {load_evidence(p).kind for p in folder.glob("*.csv")}
    assert {"scaling", "compute_trend", "observations"} <= kinds


def constant_params(**overrides) -> dict:
    values = {name: 0.5 for name in PARAMETERS}
    values |= {"returns_r": 1.2, "returns_tau": 0.3, "software_doubling_months": 8.0,
               "compute_growth_per_year": 4.0, "scaling_a": 0.34, "scaling_b": 0.28,
               "scaling_E": 1.69, "scaling_A": 406.4, "scaling_B": 410.7, "p_rsi_feasible": 0.3}
    values |= overrides
    return {k: pm.math.constant(v) for k, v in values.items()}


def test_every_kind_builds_with_fixed_parameters(tmp_path):
    evidence = [load_evidence(write(tmp_path, t, f"{i}.csv")) for i, t in
                enumerate([SCALING, TREND, RETURNS, SUMMARY, GROWTH, OBS, SUBSTITUTION])]
    evidence += bundled_evidence()
    with pm.Model() as model:
        add_evidence(evidence, constant_params())
    logp = model.compile_logp()(model.initial_point())
    assert np.isfinite(logp)


def test_same_label_twice_gets_unique_names(tmp_path):
    a = load_evidence(write(tmp_path, OBS))
    (tmp_path / "sub").mkdir()
    b = load_evidence(write(tmp_path / "sub", OBS))
    with pm.Model() as model:
        add_evidence([a, b], constant_params())
    assert {"ev__lr", "ev_2__lr"} <= set(model.named_vars)


def test_observation_potential_is_exact_marginal(tmp_path):
    ev = load_evidence(write(tmp_path, OBS))
    with pm.Model() as model:
        add_evidence([ev], constant_params(p_rsi_feasible=0.3))
    value = model.compile_fn(model.potentials[0], inputs=[])({})
    assert np.isclose(value, np.log(0.3 * 0.75 + 0.7))


def test_fit_scaling_file_rejects_other_kinds(tmp_path):
    from foomcalc.reporting.scaling_report import fit_scaling_file

    with pytest.raises(InputError, match="needs a scaling file"):
        fit_scaling_file(write(tmp_path, OBS))
    with pytest.raises(InputError, match="at least 8"):
        fit_scaling_file(write(tmp_path, SCALING))


@pytest.mark.slow
def test_duplicate_check_is_linear_at_100k_rows(tmp_path, monkeypatch):
    """Issue 14: the duplicate-row check was quadratic (16k identical rows took 22 s; a
    legal file near the size limit would not finish). 100k rows: distinct rows load,
    identical rows are refused with a bounded list of problems naming the first copy.
    (The likelihood's row cap, MAX_MODEL_ROWS, is raised: it is not under test here.)"""
    monkeypatch.setenv(ev_mod.MAX_MODEL_ROWS.env, "200000")
    distinct = "".join(f"m{i},2020-06-01,{1e20 * (1 + i % 7):.6e}\n" for i in range(100_000))
    loaded = load_evidence(write(tmp_path, "model,date,training_flop\n" + distinct, "big.csv"))
    assert len(loaded.table) == 100_000
    same = "date,training_flop\n" + "2020-06-01,1e22\n" * 100_000
    with pytest.raises(InputError) as err:
        load_evidence(write(tmp_path, same, "same.csv"))
    text = str(err.value)
    assert "row 2 (line 3) duplicates row 1" in text and "further problems not shown" in text


def test_a_file_name_too_long_for_the_file_system_is_bad_input(tmp_path):
    """The OSError of a 300-character name is an InputError naming the file, not a crash
    (found by the hostile CLI cases: `fit-scaling aaa...a`)."""
    with pytest.raises(InputError, match="cannot read the file"):
        load_evidence(tmp_path / ("a" * 300 + ".csv"))
