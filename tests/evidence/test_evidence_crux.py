"""Crux evidence: training_durations (-> retrain_months), the bundled overhang gains
(-> instant_jump_ooms) and the opt-in RSI observations. Fast checks of parsing, bad input
and the likelihood's closed form; slow checks that NUTS recovers a known trend and that the
evidence moves retrain_months / instant_jump_ooms and P(hard takeoff) the right way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymc as pm
import pytest
from scipy import stats

from foomcalc.analysis.run import run_analysis
from foomcalc.evidence.files import (
    load_evidence,
    parameters_informed,
    total_likelihood_ratio,
)
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.inference.terms import add_evidence
from foomcalc.inference.terms.training_durations import HOURS_PER_MONTH
from foomcalc.paths import data_dir
from foomcalc.reporting.summary import summarize
from tests.evidence_files import assert_report_refuses, evidence_error, write_evidence

HEADER = "model,publication_date,training_hours,training_flop\n"
GOOD = HEADER + "A,2020-05-28,355,3e23\nB,2023-03-15,2280,2.1e25\nC,2024.5,2142,\n"


def write(tmp_path: Path, text: str, name: str = "runs.csv") -> Path:
    return write_evidence(tmp_path, text, name)


def error(tmp_path: Path, text: str) -> str:
    return evidence_error(tmp_path, text, "runs.csv")


def test_kind_inferred_and_table_typed(tmp_path):
    ev = load_evidence(write(tmp_path, GOOD))
    assert ev.kind == "training_durations"
    assert ev.describe() == "training_durations: 3 training runs from runs.csv"
    assert ev.table["year"].iloc[2] == 2024.5
    assert np.allclose(ev.table["log_hours"], np.log([355, 2280, 2142]))
    assert np.isnan(ev.table["training_flop"].iloc[2])  # optional column, blank allowed
    assert parameters_informed([ev]) == {"retrain_months", "automation_year"}


@pytest.mark.parametrize("text,fragments", [
    ("# kind: training_durations\nmodel,publication_date,training_days\nA,2020-01-01,30\n",
     ("missing column", "training_hours")),
    (HEADER + "A,2020-01-01,95 days,1e24\n", ("training_hours", "number of hours")),
    (HEADER + "A,28/05/2020,355,1e24\n", ("publication_date", "ISO date")),
    (HEADER + "A,2020-01-01,0,1e24\n", ("training_hours", "must be positive")),
    (HEADER + "A,2020-01-01,-3,1e24\n", ("training_hours", "must be positive")),
    (HEADER + "A,2020-01-01,9000000,1e24\n", ("training_hours", "minutes or seconds")),
    (HEADER + "A,2020-01-01,355,24.3\n", ("training_flop", "log10")),
    (HEADER + "A,2020-01-01,,1e24\n", ("training_hours", "missing value")),
])
def test_bad_input_names_column(tmp_path, text, fragments):
    message = error(tmp_path, text)
    assert "runs.csv" in message
    for fragment in fragments:
        assert fragment in message, message


def test_cli_bad_durations_exit_2_nothing_written(tmp_path):
    bad = write(tmp_path, HEADER + "A,2020-01-01,3 months,1e24\n")
    assert_report_refuses(bad, tmp_path / "report", "training_hours")


def test_durations_likelihood_is_student_t_around_the_anchored_trend(tmp_path):
    ev = load_evidence(write(tmp_path, GOOD))
    with pm.Model() as model:
        add_evidence([ev], {"retrain_months": pm.math.constant(6.0),
                            "automation_year": pm.math.constant(2027.0)})
    point = {"runs__log_growth_per_year": 0.3, "runs__sigma_log__": np.log(0.4),
             "runs__nu_log__": np.log(5.0)}
    logp = model.compile_fn(model.observedlogp, inputs=model.value_vars)(point)
    mu = np.log(6.0 * HOURS_PER_MONTH) + 0.3 * (ev.table["year"].to_numpy() - 2027.0)
    expected = stats.t.logpdf(ev.table["log_hours"].to_numpy(), df=5.0, loc=mu, scale=0.4).sum()
    assert logp == pytest.approx(expected, rel=1e-6)


def test_bundled_crux_evidence(bundled):
    names = {Path(e.path).name: e for e in bundled}
    assert {"training_durations.csv", "overhang.csv"} <= set(names)
    assert len(names["training_durations.csv"].table) >= 10
    gains = names["overhang.csv"]
    assert gains.kind == "compute_equivalent_gains" and len(gains.table) >= 4
    assert gains.table["citation"].str.len().min() > 80  # each row names its table or text
    assert {"retrain_months", "instant_jump_ooms"} <= parameters_informed(list(names.values()))
    # the RSI observations are opt-in: a subfolder that bundled_evidence does not read
    assert not any("optional" in e.path for e in bundled)
    rsi = load_evidence(data_dir() / "evidence" / "optional" / "rsi_observations.csv")
    assert rsi.kind == "observations" and len(rsi.table) >= 4
    assert rsi.table["note"].str.len().min() > 80  # each ratio carries its argument
    assert 0.1 < total_likelihood_ratio([rsi]) < 1.0


def synthetic_runs(months: float, growth: float, n: int = 20, sd: float = 0.3,
                   seed: int = 0) -> str:
    """Durations with log hours = log(months h/month) + ln(growth)(year - 2027) + t noise."""
    rng = np.random.default_rng(seed)
    year = np.linspace(2019.0, 2025.5, n)
    log_h = (np.log(months * HOURS_PER_MONTH) + np.log(growth) * (year - 2027.0)
             + sd * rng.standard_t(8, n))
    rows = "".join(f"m{i},{y:.3f},{np.exp(h):.1f},\n" for i, (y, h) in enumerate(
        zip(year, log_h, strict=True)))
    return HEADER + rows


SMALL = SamplerSettings(draws=1000, tune=500)


def summary(priors, evidence, seed=1):
    return summarize(run_analysis(priors, list(evidence), seed=seed, settings=SMALL,
                                  n_prior_draws=4000))


@pytest.mark.slow
def test_recovers_known_retrain_months_and_growth(tmp_path, default_priors):
    """Truth: 6 months at 2027, durations x1.4/yr; 90% intervals cover both, median within 25%."""
    ev = load_evidence(write(tmp_path, synthetic_runs(6.0, 1.4)))
    result = run_analysis(default_priors, [ev], seed=2, settings=SMALL,
                          n_prior_draws=1000)
    post = result["posterior"].to_dataset()
    months = post["retrain_months"].values.ravel()
    growth = np.exp(post["runs__log_growth_per_year"].values.ravel())
    assert np.quantile(months, 0.05) < 6.0 < np.quantile(months, 0.95)
    assert np.median(months) == pytest.approx(6.0, rel=0.25)
    assert np.quantile(growth, 0.05) < 1.4 < np.quantile(growth, 0.95)


@pytest.mark.slow
def test_longer_training_runs_raise_retrain_months_and_lower_hard_takeoff(tmp_path, default_priors):
    """Takeoff is slower with retraining latency (the not-feasible branch waits for
    successors), so durations pointing at 15-month runs must lower P(takeoff within 1 year)
    beyond 3 combined MCSEs against 0.5-month runs, and the 30-day headline too (by less:
    most of default's 30-day takeoffs are carried by the instant jump, which counts at
    t = 0 in both branches, since the compute bottleneck acts at automation)."""
    priors = default_priors
    short = load_evidence(write(tmp_path, synthetic_runs(0.5, 1.3), "short.csv"))
    long = load_evidence(write(tmp_path, synthetic_runs(15.0, 1.3), "long.csv"))
    s_short, s_long = summary(priors, [short]), summary(priors, [long])
    m_short = s_short["parameters"]["retrain_months"]["posterior"]["q50"]
    m_long = s_long["parameters"]["retrain_months"]["posterior"]["q50"]
    assert m_short < 1.0 < 8.0 < m_long

    def window(s, days):
        return next(r for r in s["hard_takeoff_by_window"] if r["window_days"] == days)

    year_short, year_long = window(s_short, 365.25), window(s_long, 365.25)
    gap = year_long["posterior"] - year_short["posterior"]
    assert gap < -3 * np.hypot(year_long["mcse"], year_short["mcse"])
    assert s_long["hard_takeoff"]["posterior"] < s_short["hard_takeoff"]["posterior"]


@pytest.mark.slow
def test_overhang_evidence_raises_instant_jump_and_hard_takeoff(tmp_path, default_priors):
    """The bundled compute-equivalent gains (typical enhancement ~3-10x) move
    instant_jump_ooms up from the default prior (median 0.34 OOM); larger (synthetic)
    measured gains raise P(hard takeoff) beyond 3 combined MCSEs."""
    priors = default_priors
    overhang = load_evidence(data_dir() / "evidence" / "overhang.csv")
    rows = "".join(f"s{i},e{i},{c},{c / 2},{c * 2},0.9,synthetic\n"
                   for i, c in enumerate((60, 100, 80, 120, 90)))
    big = load_evidence(write(tmp_path, "study,enhancement,ceg,lower,upper,interval,citation\n"
                              + rows, "big.csv"))
    base, bundled, large = (summary(priors, e) for e in ([], [overhang], [big]))
    before = base["parameters"]["instant_jump_ooms"]["posterior"]["q50"]
    after = bundled["parameters"]["instant_jump_ooms"]["posterior"]["q50"]
    assert after > before + 0.05
    assert bundled["hard_takeoff"]["posterior"] > base["hard_takeoff"]["posterior"]
    gap = large["hard_takeoff"]["posterior"] - base["hard_takeoff"]["posterior"]
    assert gap > 3 * np.hypot(large["hard_takeoff"]["mcse"], base["hard_takeoff"]["mcse"])
