"""summary.json and report sections on the crux: the realised initial speed-up beside
`speedup`, the gap as an axis, the tornado's basis, and the speed-up built from parts
(prior-only runs: no NUTS)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from foomcalc.analysis.run import run_analysis
from foomcalc.analysis.sensitivity import add_sensitivity
from foomcalc.inference.sampling import SamplerSettings
from foomcalc.parameters import SPEEDUP_PARTS
from foomcalc.priors.files import load_preset, priors_from_dict
from foomcalc.reporting.report import build_blocks, render_markdown
from foomcalc.reporting.summary import summarize
from foomcalc.takeoff.outcomes import GAP_AXIS_YEARS, STANDARD_WINDOWS_DAYS
from foomcalc.takeoff.params import speedup_from_parts


def prior_only(priors, seed: int = 4, draws: int = 1500):
    result = run_analysis(priors, [], seed=seed, settings=SamplerSettings(draws=draws),
                          n_prior_draws=draws)
    return add_sensitivity(result, priors, [])


@pytest.fixture(scope="module")
def default_result(default_priors):
    return prior_only(default_priors)


@pytest.fixture(scope="module")
def default_summary(default_result):
    return summarize(default_result)


def test_realised_speedup_beside_speedup(default_summary):
    sp = default_summary["speed_up"]
    assert sp["speedup_from"] == "direct"
    for group in ("prior", "posterior"):
        real, plain = sp["realised"][group], sp["speedup"][group]
        assert real["q05"] >= 1.0 and real["q95"] <= plain["q95"]
        assert real["q50"] < 0.5 * plain["q50"]  # the bottleneck bites at automation


def test_no_compute_share_realises_the_whole_speedup():
    s = summarize(prior_only(load_preset("forethought-2025"), draws=500))["speed_up"]
    for q in ("q05", "q50", "q95"):
        assert s["realised"]["prior"][q] == pytest.approx(s["speedup"]["prior"][q], rel=1e-12)


def test_gap_axis_rows_are_ordered_and_match_a_fixed_gap_headline():
    """P falls with the gap and rises with the window; with the gap fixed at 2 years of
    progress the headline windows equal the gap axis's 2-year column exactly."""
    priors = priors_from_dict({"name": "t", "description": "gap 2 years",
                               "base": "forethought-2025",
                               "parameters": {"gap_years": {"value": 2, "source": "test"}}})
    s = summarize(prior_only(priors, draws=1000))
    axis = s["gap_axis"]
    assert axis["gap_years"] == list(GAP_AXIS_YEARS)
    assert axis["windows_days"] == list(STANDARD_WINDOWS_DAYS)
    cell = {(r["gap_years"], r["window_days"]): r for r in axis["rows"]}
    assert len(cell) == len(GAP_AXIS_YEARS) * len(STANDARD_WINDOWS_DAYS)
    for days in STANDARD_WINDOWS_DAYS:
        p = [cell[g, days]["posterior"] for g in GAP_AXIS_YEARS]
        assert all(a >= b for a, b in itertools.pairwise(p))
    for g in GAP_AXIS_YEARS:
        p = [cell[g, d]["prior"] for d in STANDARD_WINDOWS_DAYS]
        assert all(a <= b for a, b in itertools.pairwise(p))
    for row in s["hard_takeoff_by_window"]:
        axis_row = cell[2.0, row["window_days"]]
        assert axis_row["posterior"] == row["posterior"] and axis_row["prior"] == row["prior"]
    assert 0 < cell[2.0, 365.25]["posterior"] < 1  # not a degenerate column


def test_tornado_rows_carry_a_basis(default_summary):
    rows = {r["parameter"]: r for r in default_summary["sensitivity"]["tornado"]["rows"]}
    assert {r["basis"] for r in rows.values()} == {"judgement"}  # no evidence in this run
    for name in ("p_rsi_feasible", "compute_share", "parallel_penalty", "compute_during_takeoff"):
        assert 0.85 < rows[name]["sd_ratio"] < 1.15  # posterior = prior: Monte Carlo noise only


@pytest.mark.slow
def test_evidence_rows_show_how_much_the_data_narrow(default_priors):
    """With compute-share data, compute_share's row rests on evidence and its posterior sd
    is well below the prior's; the share of the top five narrowed is computed from that."""
    from foomcalc.evidence.files import load_evidence
    from foomcalc.paths import data_dir
    from foomcalc.reporting.sensitivity import narrowed_share

    ev = load_evidence(data_dir() / "evidence" / "compute_shares.csv")
    result = run_analysis(default_priors, [ev], seed=5,
                          settings=SamplerSettings(draws=500, tune=500, chains=2),
                          n_prior_draws=2000)
    rows = summarize(add_sensitivity(result, default_priors, [ev]))["sensitivity"]["tornado"][
        "rows"]
    by_name = {r["parameter"]: r for r in rows}
    assert by_name["compute_share"]["basis"] == "evidence"
    assert by_name["compute_share"]["sd_ratio"] < 0.6
    assert {r["basis"] for r in rows if r["parameter"] != "compute_share"} == {"judgement"}
    share = narrowed_share(rows)
    expected = sum(r["swing"] for r in rows[:5] if r["parameter"] == "compute_share") / sum(
        r["swing"] for r in rows[:5])
    assert share == pytest.approx(expected)


def test_report_shows_the_crux_sections(default_summary, default_result):
    md = render_markdown(build_blocks(default_summary, default_result))
    assert "## The gap as an axis" in md and "figures/gap_axis.png" in md
    assert "| gap (years of progress) | within 1 day | within 1 week |" in md
    assert "realised: R(L0, 1)^p" in md and "## Initial speed-up at automation" in md
    assert "| basis | parameter | swing |" in md and "| judgement | capability_factor |" in md


def test_speedup_from_parts_formula():
    # 1e20 / 1e14 = 1e6 copies x 10 / 2000 researchers = L0 = 5000; p = 0.3
    assert speedup_from_parts(1e20, 1e14, 10.0, 2000.0, 0.3) == pytest.approx(5000 ** 0.3)
    assert speedup_from_parts(1e10, 1e14, 1.0, 2000.0, 0.3) == 1.0  # L0 floored at 1
    assert speedup_from_parts(1e20, 1e14, 10.0, 2000.0, 0.0) == 1.0


def test_speedup_from_parts_route():
    """`speedup_from: parts`: speedup is built from the parts (its own prior unused), the
    parts enter the tornado with basis "parts", a faster AI researcher raises P(hard
    takeoff), and direct mode leaves the parts out."""
    priors = priors_from_dict({"name": "parts", "description": "speed-up from parts",
                               "base": "default", "speedup_from": "parts"})
    assert priors.speedup_from == "parts" and priors.to_dict()["speedup_from"] == "parts"
    result = prior_only(priors, draws=1500)
    s = summarize(result)
    assert s["speed_up"]["speedup_from"] == "parts"
    assert "speedup" in s["unused_parameters"]
    assert not set(SPEEDUP_PARTS) & set(s["unused_parameters"])
    prior = result["prior"].to_dataset()
    built = speedup_from_parts(*(prior[n].values.ravel() for n in SPEEDUP_PARTS),
                               prior["parallel_penalty"].values.ravel())
    assert s["speed_up"]["speedup"]["prior"]["q50"] == pytest.approx(np.median(built))
    rows = {r["parameter"]: r for r in s["sensitivity"]["tornado"]["rows"]}
    assert "speedup" not in rows and set(SPEEDUP_PARTS) <= set(rows)
    assert {rows[n]["basis"] for n in SPEEDUP_PARTS} == {"parts"}
    assert rows["ai_serial_speed"]["p_high"] > rows["ai_serial_speed"]["p_low"]
    assert rows["research_workforce"]["p_high"] < rows["research_workforce"]["p_low"]


def test_direct_mode_leaves_the_parts_out(default_summary):
    assert set(SPEEDUP_PARTS) <= set(default_summary["unused_parameters"])
    assert "speedup" not in default_summary["unused_parameters"]
