"""The web app's logic without a browser: link and YAML round trips, the prior-only
numbers, uploads with the CLI's messages, the run status lines, and the import
direction."""

from __future__ import annotations

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
from foomcalc.priors.files import list_presets, load_preset
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
