"""The command line: bad input ends in one clear message, exit 2, nothing written."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from foomcalc.cli.commands import app
from foomcalc.paths import data_dir

runner = CliRunner()
FOOMCALC = [sys.executable, "-m", "foomcalc"]


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_input_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    text = result.output
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, text


def test_presets_lists_all_four():
    result = run("presets")
    assert result.exit_code == 0
    for name in ("default", "forethought-2025", "deep-learning-sceptic", "seed-ai-foom"):
        assert name in result.output


def test_unknown_preset_suggests(tmp_path):
    out = tmp_path / "r"
    assert_input_error(run("report", "--preset", "defualt", "--out", str(out)), "default")
    assert not out.exists()


def test_priors_and_preset_together(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("name: x\ndescription: y\nbase: default\n")
    assert_input_error(run("report", "--priors", str(f), "--preset", "default",
                           "--out", str(tmp_path / "r")), "not both")


def test_bad_priors_file_names_file_and_field(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("name: x\ndescription: y\nbase: default\nparameters:\n"
                 "  speedup:\n    dist: LogUniform\n    lower: 40\n    upper: 2\n"
                 "    source: me\n")
    result = run("report", "--priors", str(f), "--out", str(tmp_path / "r"))
    assert_input_error(result, "mine.yaml", "speedup")
    assert not (tmp_path / "r").exists()


def test_missing_priors_file(tmp_path):
    assert_input_error(run("report", "--priors", str(tmp_path / "nope.yaml"),
                           "--out", str(tmp_path / "r")), "nope.yaml")


def test_bad_evidence_file_names_file_and_column(tmp_path):
    f = tmp_path / "trend.csv"
    f.write_text("date,training_flop\n2020-01-01,23.5\n2021-01-01,24.1\n2022-01-01,24.6\n")
    result = run("report", "--evidence", str(f), "--out", str(tmp_path / "r"))
    assert_input_error(result, "trend.csv", "training_flop")


def test_all_problems_reported_together(tmp_path):
    bad_priors = tmp_path / "p.yaml"
    bad_priors.write_text("name: x\n")
    bad_evidence = tmp_path / "e.csv"
    bad_evidence.write_text("foo,bar\n1,2\n")
    result = run("report", "--priors", str(bad_priors), "--evidence", str(bad_evidence),
                 "--out", str(tmp_path / "r"))
    assert_input_error(result, "p.yaml", "e.csv")


def test_refuses_to_overwrite_a_folder_that_is_not_a_report(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    assert_input_error(run("report", "--out", str(out), "--no-evidence"), "not empty")
    assert (out / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("args, fragment", [
    (["report", "--seed", "-1"], "seed"),
    (["report", "--draws", "5"], "draws"),
    (["report", "--compression", "3 years"], "YEARSxMONTHS"),
    (["report", "--compression", "0x4"], "positive"),
    (["report", "--bogus"], "bogus"),
])
def test_bad_arguments(args, fragment, tmp_path):
    assert_input_error(run(*args, "--out", str(tmp_path / "r")), fragment)


def test_fit_scaling_rejects_wrong_kind_and_plot_name(tmp_path):
    data = data_dir() / "examples"
    assert_input_error(run("fit-scaling", str(data / "observations_example.csv")), "scaling")
    assert_input_error(run("fit-scaling", str(data / "scaling_synthetic.csv"),
                           "--plot", str(tmp_path / "fit.jpg")), ".png")


def test_fit_scaling_bad_plot_path_fails_before_sampling(tmp_path, monkeypatch):
    import foomcalc.reporting.scaling_report

    def no_fit(*args, **kwargs):
        raise AssertionError("fit-scaling sampled although --plot was unusable")

    monkeypatch.setattr(foomcalc.reporting.scaling_report, "fit_scaling_file", no_fit)
    data = data_dir() / "examples" / "scaling_synthetic.csv"
    assert_input_error(run("fit-scaling", str(data), "--plot", "/no/such/dir/fit.png"),
                       "/no/such/dir", "does not exist")
    folder = tmp_path / "plots.png"
    folder.mkdir()
    assert_input_error(run("fit-scaling", str(data), "--plot", str(folder)), "folder")


def test_compare_refuses_folders_that_are_not_reports(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert_input_error(run("compare", str(tmp_path / "a"), str(tmp_path / "b"),
                           "--out", str(tmp_path / "c")))


def test_real_process_prints_no_traceback(tmp_path):
    """The installed entry point, as a user runs it: exit 2, one line, no traceback."""
    f = tmp_path / "p.yaml"
    f.write_text("name: [unclosed\n")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([*FOOMCALC, "report", "--priors", str(f), "--out",
                           str(tmp_path / "r")], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "p.yaml" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_overlapping_evidence_is_noted(tmp_path):
    """Raw scaling data on top of the bundled published fits may count twice: say so."""
    from foomcalc.reporting.workflow import resolve_inputs

    data = data_dir() / "examples"
    both = resolve_inputs(None, "default", [data / "scaling_synthetic.csv"], False,
                          tmp_path / "r")
    assert len(both.notes) == 1 and "scaling_a" in both.notes[0]
    alone = resolve_inputs(None, "default", [data / "scaling_synthetic.csv"], True,
                           tmp_path / "r")
    assert alone.notes == ()
    unrelated = resolve_inputs(None, "default", [data / "observations_example.csv"], False,
                               tmp_path / "r")
    assert unrelated.notes == ()


def test_windows_beyond_the_horizon_are_refused(tmp_path):
    """Issue 14: a window past the 240-month horizon was silently truncated."""
    out = tmp_path / "r"
    assert_input_error(run("report", "--preset", "default", "--compression", "30x300",
                           "--out", str(out)), "--compression", "beyond", "240 months")
    priors = tmp_path / "slow.yaml"
    priors.write_text("base: default\nhard_takeoff_days: 9000\n")
    assert_input_error(run("report", "--priors", str(priors), "--out", str(out)),
                       "hard_takeoff_days", "beyond the simulated horizon")
    assert not out.exists()


def test_importing_the_cli_loads_no_heavy_library():
    """`foomcalc --help` and bad-input errors stay fast: no PyMC, PyTensor, nutpie, ArviZ or
    matplotlib at import time (issue 13 part 2). A sys.modules check, not a timing."""
    import subprocess
    import sys

    heavy = ("pymc", "pytensor", "nutpie", "matplotlib", "arviz", "pymc_extras")
    code = ("import sys, foomcalc.cli.commands; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "", f"foomcalc.cli imports {out.stdout.strip()}"


BAD_INPUT_SCRIPT = """
import contextlib, io, json, sys
from foomcalc.cli.commands import app
out = []
for args in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            app(args=args, prog_name="foomcalc")
            status = 0
        except SystemExit as exc:
            status = exc.code
    out.append({"status": status, "stderr": err.getvalue()})
heavy = [m for m in json.loads(sys.argv[2]) if m in sys.modules]
print(json.dumps({"runs": out, "heavy": heavy}))
"""


def test_bad_input_is_answered_without_heavy_libraries(tmp_path):
    """Issue 13 part 2: a missing or bad priors file, a non-scaling file for fit-scaling and
    folders that are not reports end in exit 2 with the message, and none of them loads
    PyMC, PyTensor, nutpie, ArviZ, matplotlib or pymc-extras (one process, all four runs;
    a sys.modules check, not a timing)."""
    import json

    heavy = ["pymc", "pytensor", "nutpie", "arviz", "matplotlib", "pymc_extras"]
    bad = tmp_path / "mine.yaml"
    bad.write_text("name: x\ndescription: y\nbase: default\nparameters:\n"
                   "  speedup:\n    dist: LogUniform\n    lower: 40\n    upper: 2\n"
                   "    source: me\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    examples = data_dir() / "examples"
    cases = [
        (["report", "--priors", str(tmp_path / "no-such.yaml")], "no-such.yaml"),
        (["report", "--priors", str(bad), "--out", str(tmp_path / "r")], "speedup"),
        (["fit-scaling", str(examples / "observations_example.csv")], "scaling file"),
        (["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "c")],
         "not a foomcalc report"),
    ]
    proc = subprocess.run([sys.executable, "-c", BAD_INPUT_SCRIPT,
                           json.dumps([args for args, _ in cases]), json.dumps(heavy)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    for (args, fragment), run in zip(cases, got["runs"], strict=True):
        assert run["status"] == 2, (args, run)
        assert fragment in run["stderr"] and "Traceback" not in run["stderr"], (args, run)
    assert got["heavy"] == [], f"bad input loaded {got['heavy']}"
    assert not (tmp_path / "r").exists() and not (tmp_path / "c").exists()
