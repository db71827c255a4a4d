"""The web app's logic without a browser: link and YAML round trips, the prior-only
numbers, uploads with the CLI's messages, the run status lines, and the import
direction."""

from __future__ import annotations

import itertools
import json
import math
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foomcalc.analysis.reweight import spec_key
from foomcalc.app.jobs import Job, add_upload, safe_name
from foomcalc.app.runs import failed_job, job_status
from foomcalc.app.state import (
    MONTHS_GRID,
    AppState,
    controls,
    initial_state,
    prior_numbers,
    priors_yaml,
    state_from_query,
    state_priors,
)
from foomcalc.errors import InputError
from foomcalc.evidence.files import load_evidence
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import evidence_dir
from foomcalc.priors.files import list_presets, load_preset, load_priors
from foomcalc.reporting.workflow import resolve_inputs
from foomcalc.takeoff.outcomes import weighted_cdf

ROOT = Path(__file__).resolve().parents[2]
EDITED = AppState("default", (("returns_r", (0.6, 1.3, 3.2)), ("speedup", (4.0, 10.0, 40.0)),
                              ("instant_jump_ooms", (0.5,))), "years", 7.0)


def test_link_round_trip():
    assert state_from_query(EDITED.query()) == EDITED
    assert state_from_query("?" + EDITED.query()) == EDITED
    assert state_from_query("") == AppState()


def test_unreadable_link_shows_the_default_state_and_the_error():
    assert initial_state(EDITED.query()) == (EDITED, None)
    state, err = initial_state("preset=nope")
    assert state == AppState() and err.startswith("link: ") and "unknown preset" in err


def test_bad_link_names_every_field():
    with pytest.raises(InputError) as exc:
        state_from_query("preset=nope&gap_from=x&days=-1&retrun_r=1&speedup=1,2")
    text = str(exc.value)
    for field in ("preset: unknown preset 'nope'", "gap_from:", "days:",
                  "retrun_r: unknown parameter", "speedup: expected one value or three"):
        assert field in text


def test_priors_yaml_is_accepted_unchanged_by_report(tmp_path):
    """The downloaded YAML, fed to `foomcalc report --priors`, gives the app's priors."""
    path = tmp_path / "mine.yaml"
    path.write_text(priors_yaml(EDITED))
    inputs = resolve_inputs(path, None, [], True, tmp_path / "out")
    app = state_priors(EDITED)
    assert inputs.priors.gap_from == "years" and inputs.priors.hard_takeoff_days == 7.0
    for name in PARAMETERS:
        assert spec_key(inputs.priors.specs[name]) == spec_key(app.specs[name]), name
    assert inputs.priors.specs["instant_jump_ooms"].value == 0.5
    q = inputs.priors.specs["returns_r"]
    assert q.quantiles == {0.1: 0.6, 0.5: 1.3, 0.9: 3.2} and q.fit_note


def test_priors_yaml_runs_through_the_cli(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(priors_yaml(EDITED))
    out = tmp_path / "report"
    run = subprocess.run(
        [sys.executable, "-m", "foomcalc", "report", "--priors", str(path), "--no-evidence",
         "--draws", "100", "--out", str(out)], capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (out / "report.html").is_file()
    # the report is of the edited priors: its resolved priors are the app's, and its
    # P(hard takeoff) (no evidence: the prior's) agrees with the app's live prior-only
    # number from independent draws within 4 combined Monte Carlo standard errors, and
    # not with the unedited preset's (a report that ignored the file would give that)
    app = state_priors(EDITED)
    resolved = load_priors(out / "priors.yaml")
    assert all(spec_key(resolved.specs[n]) == spec_key(app.specs[n]) for n in PARAMETERS)
    hard = json.loads((out / "summary.json").read_text())["hard_takeoff"]
    assert hard["window_days"] == 7.0
    live = prior_numbers(app, n_draws=20_000, seed=1)
    unedited = prior_numbers(load_preset("default"), n_draws=20_000, seed=1)
    se = math.hypot(hard["prior_mcse"], live["hard_takeoff_mcse"])
    assert abs(hard["prior"] - live["hard_takeoff"]) < 4 * se, (hard, live["hard_takeoff"])
    assert abs(hard["prior"] - unedited["hard_takeoff"]) > 4 * se, unedited["hard_takeoff"]


def test_every_parameter_has_a_control_around_the_preset():
    for name, _ in list_presets():
        base = load_preset(name)
        ctrls = controls(base)
        assert list(ctrls) == list(PARAMETERS)
        for c in ctrls.values():
            assert not c.edited(c.values)
            assert c.lo <= min(c.values) and max(c.values) <= c.hi + c.step
            assert c.unit == PARAMETERS[c.name].unit
        assert state_priors(AppState(name)).to_dict() == base.to_dict()


def test_prior_numbers_move_the_right_way():
    """Higher returns to software R&D or a likelier seed-AI RSI -> more hard takeoff; a
    longer window -> more. Same seed, so the draws are coupled and the shifts are real."""
    def hard(**kw) -> float:
        return prior_numbers(state_priors(AppState(**kw)), n_draws=4000)["hard_takeoff"]

    base = prior_numbers(state_priors(AppState()), n_draws=4000)
    assert hard(edits=(("returns_r", (1.0, 2.0, 4.0)),)) > base["hard_takeoff"]
    # (2 MCSEs: the draws are coupled; the shift is smaller since the compute bottleneck
    # acts at automation and the overhang jump, in both branches, carries most takeoffs)
    assert hard(edits=(("p_rsi_feasible", (0.5, 0.8, 0.95)),)) > \
        base["hard_takeoff"] + 2 * base["hard_takeoff_mcse"]
    assert hard(hard_takeoff_days=365.25) > base["hard_takeoff"]
    assert 0 < base["hard_takeoff"] < 1 and len(base["compression"]) == 9
    cdf = base["cdf"]
    assert (np.diff(cdf) >= 0).all()
    same = prior_numbers(state_priors(AppState()), n_draws=4000)
    assert same["hard_takeoff"] == base["hard_takeoff"]  # seeded: reproducible


def test_unfittable_edit_is_an_input_error():
    with pytest.raises(InputError) as exc:
        state_priors(AppState(edits=(("returns_r", (2.0, 1.0, 3.0)),)))
    assert "parameters.returns_r.quantiles" in str(exc.value)


def test_upload_gives_the_cli_message_and_keeps_no_bad_copy(tmp_path):
    bad = tmp_path / "x" / "my data.csv"
    bad.parent.mkdir()
    bad.write_text("kind,returns\nreturns,abc\n")
    with pytest.raises(InputError) as cli:
        load_evidence(bad)
    uploads = tmp_path / "uploads"
    with pytest.raises(InputError) as app:
        add_upload(uploads, "../../my data.csv", bad)
    assert app.value.problems == cli.value.problems
    assert str(app.value).startswith("my_data.csv: ")
    assert not any(uploads.iterdir())
    good = sorted(evidence_dir().glob("*.csv"))[0]
    path, desc = add_upload(uploads, good.name, good)
    assert path.parent == uploads and desc.startswith(good.name)
    assert safe_name("a/b/../c d.txt") == "c_d.txt.csv"


def test_job_status_ids_and_views():
    """The ids the page and the browser tests look for: <label>_progress while running,
    <label>_error after a failure, and the view of a result when done."""
    assert job_status(None, str) is None
    failed = failed_job("run", "fix the priors first: x")
    assert not failed.running and failed.seconds() == 0
    assert 'id="run_error"' in str(job_status(failed, str))
    done = Job("compare").start(lambda j: {"folder": "f"})
    done.wait(10)
    assert done.result == {"folder": "f"}
    shown = str(job_status(done, lambda r: r["folder"]))
    assert re.search(r"done in \d+ s</p>\s+f\s+</div>", shown), shown
    broken = Job("compare").start(lambda j: 1 / 0)
    broken.wait(10)
    assert broken.error == "ZeroDivisionError: division by zero"
    assert 'id="compare_error"' in str(job_status(broken, str))


def test_core_never_imports_the_app_and_cli_stays_light():
    """Only the command line imports the app (tests/test_structure.py checks every stage's
    imports); importing the command line loads neither Shiny nor PyMC."""
    src = ROOT / "src" / "foomcalc"
    for f in src.rglob("*.py"):
        if f.parent.name not in ("app", "cli"):
            assert "foomcalc.app" not in f.read_text(), f
    code = ("import sys, foomcalc.cli.commands; "
            "print('shiny' in sys.modules, 'pymc' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT / "src")}, check=True).stdout
    assert out.split() == ["False", "False"]


def test_app_command_refuses_a_busy_port_and_a_file_as_work_dir(tmp_path):
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "foomcalc", "app", "--no-browser",
                              "--port", str(port)], capture_output=True, text=True, env=env,
                             timeout=120)
    assert run.returncode == 2 and f"--port {port}: the port is in use" in run.stderr
    assert "Traceback" not in run.stderr
    afile = tmp_path / "f"
    afile.write_text("x")
    run = subprocess.run([sys.executable, "-m", "foomcalc", "app", "--no-browser",
                          "--work-dir", str(afile)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 2 and "expected a folder" in run.stderr


def test_weighted_cdf_equals_the_indicator_table():
    """On the app's grid (plus a point with ties), the weighted CDF equals the sum of
    weight x indicator(time <= grid point)."""
    rng = np.random.default_rng(0)
    times = np.concatenate([rng.exponential(30, 500), np.full(50, np.inf), [0.0, 12.0, 12.0]])
    weights = rng.uniform(size=times.size)
    grid = np.concatenate([MONTHS_GRID, [12.0]])
    table = (weights[:, None] * (times[:, None] <= grid[None, :])).sum(axis=0)
    np.testing.assert_allclose(weighted_cdf(times, weights, grid), table, rtol=1e-12)


def test_an_untouched_preset_is_not_edited():
    """The controls show each preset's quantiles on the slider's grid (what the range
    slider reports for them): read back, nothing counts as edited, so the link is the
    preset alone (substitution_elasticity's q10 0.2256 used to read back as 0.22, an
    edit)."""
    for name, _ in list_presets():
        ctrls = controls(load_preset(name))
        for c in ctrls.values():
            shown = tuple(c.snap(v) for v in c.values) if c.slider and not c.fixed \
                else c.values
            shown = (shown[0], c.values[1], shown[2]) if len(shown) == 3 else shown
            assert not c.edited(shown), (name, c.name, c.values, shown)
        assert AppState(name).query() == f"preset={name}"


def test_the_page_prior_is_the_reports_prior(default_priors):
    """The same draws and seed as a report's prior (run_analysis): the same number."""
    from foomcalc.analysis.reweight import hard_per_draw
    from foomcalc.analysis.run import run_analysis
    from foomcalc.inference.sampling import SamplerSettings

    result = run_analysis(default_priors, [], seed=0, settings=SamplerSettings(draws=50))
    report = float(hard_per_draw(result["prior_outcomes"].to_dataset(), 30.0).mean())
    assert prior_numbers(default_priors, seed=0)["hard_takeoff"] == pytest.approx(report,
                                                                                 rel=1e-12)


def test_one_value_for_an_uncertain_prior_gets_a_fixed_field():
    """?preset=seed-ai-foom&instant_jump_ooms=0.5: the page shows a fixed-value field
    (v_instant_jump_ooms), and the server reads that id, not r_/m_."""
    from shiny import ui

    from foomcalc.app.page import input_ids, sidebar

    state = state_from_query("preset=seed-ai-foom&instant_jump_ooms=0.5")
    base = load_preset("seed-ai-foom")
    html = str(ui.page_sidebar(sidebar(state, base)))
    c = controls(base)["instant_jump_ooms"]
    assert input_ids(c, 1) == ("v_instant_jump_ooms",)
    assert 'id="v_instant_jump_ooms"' in html and 'id="r_instant_jump_ooms"' not in html
    assert input_ids(c) == ("r_instant_jump_ooms", "m_instant_jump_ooms")


def test_correlations_in_the_link_and_the_yaml(tmp_path):
    state = state_from_query("preset=default&corr=returns_r:limit_ooms:0.5")
    assert state.correlations == (("returns_r", "limit_ooms", 0.5),)
    assert state_from_query(state.query()) == state
    path = tmp_path / "c.yaml"
    path.write_text(priors_yaml(state))
    inputs = resolve_inputs(path, None, [], True, tmp_path / "out")
    assert inputs.priors.correlations == (("returns_r", "limit_ooms", 0.5),)
    with pytest.raises(InputError) as exc:
        state_priors(state_from_query("corr=returns_r:automation_year:0.5"))
    assert "correlations[0]: automation_year is fixed" in str(exc.value)
    with pytest.raises(InputError) as exc:
        state_from_query("corr=returns_r-limit_ooms")
    assert "corr: expected parameter:parameter:rank correlation" in str(exc.value)


def test_the_curve_is_laid_out_at_its_drawn_size():
    """The y-axis label lies inside the PNG (it was clipped: the figure was laid out at
    matplotlib's default size, then Shiny drew it smaller); the page scales the PNG."""
    import io

    import matplotlib.image as mpimg

    from foomcalc.app.live import cdf_png

    png = cdf_png(None, np.linspace(0, 1, MONTHS_GRID.size), "default")
    img = mpimg.imread(io.BytesIO(png))
    assert 280 <= img.shape[0] <= 300 and 620 <= img.shape[1] <= 640
    ink = (img[:, :, :3].min(axis=2) < 0.5)
    assert not ink[:, :3].any()  # nothing drawn in the first pixel columns: no clipping
    assert ink[:, 3:40].any()    # the label is there, at the left


def test_live_posterior_numbers_from_a_saved_result(default_priors):
    """The page's posterior: unchanged preset -> the base's own numbers; an uninformed
    change -> exact redraw (no refit); what the page shows is consistent with
    `Reweighted`."""
    from foomcalc.analysis.reweight import reweight
    from foomcalc.analysis.run import run_analysis
    from foomcalc.app.posterior import live_posterior, posterior_numbers
    from foomcalc.inference.sampling import SamplerSettings

    base = run_analysis(default_priors, [], seed=1, settings=SamplerSettings(draws=200),
                        n_prior_draws=200)
    same = live_posterior([base], default_priors, 0)
    assert same.method == "unchanged"
    faster = default_priors.with_spec("speedup", state_priors(AppState(
        edits=(("speedup", (10.0, 40.0, 200.0)),))).specs["speedup"])
    rw = live_posterior([base], faster, 0)
    assert rw.method == "exact"
    n = posterior_numbers(rw)
    assert n["hard_takeoff"] == pytest.approx(reweight(base, faster, compression=True)
                                              .hard_takeoff(), rel=1e-12)
    assert n["hard_takeoff"] > posterior_numbers(same)["hard_takeoff"]
    assert n["cdf"][-1] <= 1 + 1e-12 and (np.diff(n["cdf"]) >= -1e-12).all()
    assert len(n["compression"]) == 9


def test_the_gap_axis_on_the_page_is_the_reports(default_priors):
    """The page's gap-axis table (prior: the report's prior draws; posterior: the live
    reweighting of a saved result) gives summary.json's gap_axis numbers, a bigger gap is
    never likelier to be crossed in a window, and the HTML table shows every cell."""
    from foomcalc.analysis.run import run_analysis
    from foomcalc.app.page import gap_axis_table
    from foomcalc.app.posterior import live_posterior, posterior_numbers
    from foomcalc.inference.sampling import SamplerSettings
    from foomcalc.reporting.summary import gap_axis
    from foomcalc.takeoff.outcomes import GAP_AXIS_YEARS, STANDARD_WINDOWS_DAYS

    base = run_analysis(default_priors, [], seed=0, settings=SamplerSettings(draws=200),
                        n_prior_draws=20_000)
    saved = gap_axis(base["prior_outcomes"].to_dataset(), base["posterior_outcomes"]
                     .to_dataset())
    assert saved is not None
    prior = prior_numbers(default_priors, seed=0)["gap_axis"]
    post = posterior_numbers(live_posterior([base], default_priors, 0))["gap_axis"]
    assert len(prior) == len(post) == len(GAP_AXIS_YEARS) * len(STANDARD_WINDOWS_DAYS)
    for row in saved["rows"]:
        key = (row["gap_years"], row["window_days"])
        assert {(g, d): p for g, d, p in prior}[key] == pytest.approx(
            row["prior"], rel=1e-9, abs=1e-12)
        assert {(g, d): p for g, d, p in post}[key] == pytest.approx(
            row["posterior"], rel=1e-9, abs=1e-12)
    for days in STANDARD_WINDOWS_DAYS:
        column = [p for _, d, p in sorted(prior) if d == days]
        assert all(a >= b for a, b in itertools.pairwise(column))
    assert max(p for _, _, p in prior) > 0.05  # a 0.5-year gap within a year: not rare
    html = str(gap_axis_table(prior, post))
    assert html.count("<td>") == len(prior) + len(GAP_AXIS_YEARS)
    assert "within 1 week" in html and "posterior (prior)" in html


def test_the_page_gap_axis_follows_a_faster_speed_up(default_priors):
    """A much faster initial speed-up (uninformed: redrawn exactly) raises the posterior gap
    axis in its short windows: the table is re-simulated, not the base's."""
    from foomcalc.analysis.run import run_analysis
    from foomcalc.app.posterior import live_posterior, posterior_numbers
    from foomcalc.inference.sampling import SamplerSettings

    base = run_analysis(default_priors, [], seed=1, settings=SamplerSettings(draws=500),
                        n_prior_draws=500)
    faster = default_priors.with_spec("speedup", state_priors(AppState(
        edits=(("speedup", (30.0, 100.0, 400.0)),))).specs["speedup"])
    before = {(g, d): p for g, d, p in posterior_numbers(live_posterior(
        [base], default_priors, 0))["gap_axis"]}
    after = {(g, d): p for g, d, p in posterior_numbers(live_posterior(
        [base], faster, 0))["gap_axis"]}
    assert after[(1.0, 30.0)] - before[(1.0, 30.0)] > 0.02
    assert after[(5.0, 365.25)] >= before[(5.0, 365.25)]
