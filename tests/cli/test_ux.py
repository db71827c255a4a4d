"""What a new user meets first (issue 11's hand-found list, issue 14's CLI items): each
test failed before its fix. Fast tier: no NUTS sampling (no-evidence analyses only)."""

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foomcalc import __version__
from foomcalc.cli.commands import EXIT_DIAGNOSTICS, app
from foomcalc.cli.progress import ProgressLines
from foomcalc.parameters import SPEEDUP_PARTS
from foomcalc.paths import data_dir, evidence_dir
from foomcalc.reporting.output import REPORT_MARKER, check_output_folder
from foomcalc.reporting.workflow import default_out_dir, resolve_inputs

runner = CliRunner()
EXAMPLES = data_dir() / "examples"


def run(*args: str):
    return runner.invoke(app, list(args))


# item 10: --version, parameters, presets --show
def test_version_parameters_and_preset_yaml():
    assert run("--version").output.strip() == f"foomcalc {__version__}"
    out = run("parameters").output
    assert "retrain_months" in out and "unit: months" in out and "support: positive" in out
    shown = run("presets", "--show", "seed-ai-foom")
    assert shown.exit_code == 0 and "name: seed-ai-foom" in shown.output
    bad = run("presets", "--show", "defualt")
    assert bad.exit_code == 2 and "default" in bad.output


# item 8: a folder as --priors
def test_priors_folder_gets_a_precise_message(tmp_path):
    result = run("report", "--priors", str(tmp_path), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert "is a folder" in result.output and "no such file" not in result.output


# item 2: default folder follows the priors' name; replacing needs --force
def test_default_out_follows_priors_name(tmp_path):
    assert resolve_inputs(None, "seed-ai-foom", [], True).out_dir == Path("reports/seed-ai-foom")
    f = tmp_path / "mine.yaml"
    f.write_text("name: my priors/v2\ndescription: y\nbase: default\n")
    assert resolve_inputs(f, None, [], True).out_dir == Path("reports/my-priors-v2")
    assert default_out_dir("..") == Path("reports/report")


def test_existing_report_is_replaced_only_with_force(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / REPORT_MARKER).write_text("{}")
    result = run("report", "--no-evidence", "--out", str(out))
    assert result.exit_code == 2 and "--force" in result.output
    assert (out / REPORT_MARKER).read_text() == "{}"
    assert check_output_folder(out, force=True) is True
    assert resolve_inputs(None, "default", [], True, out, force=True).replaces
    assert not resolve_inputs(None, "default", [], True, tmp_path / "new", force=False).replaces


# item 6: report --help points to the docs
def test_report_help_points_to_evidence_docs():
    text = run("report", "--help").output
    assert "docs/evidence.md" in text and "README" in text and "--drop-evidence" in text
    assert "reports/<priors name>" in text


# item 7 / issue 14: drop one bundled file; a re-saved bundled copy is noted
def test_drop_one_bundled_evidence_file():
    names = {Path(e.path).name for e in resolve_inputs(None, "default", [], False).evidence}
    assert "scaling_fits.csv" in names
    kept = resolve_inputs(None, "default", [], False, drop_evidence=["scaling_fits.csv"])
    assert {Path(e.path).name for e in kept.evidence} == names - {"scaling_fits.csv"}
    result = run("report", "--drop-evidence", "nope.csv", "--out", "/tmp/never-written")
    assert result.exit_code == 2 and "scaling_fits.csv" in result.output


def test_resaved_copy_of_bundled_summary_is_noted(tmp_path):
    text = (evidence_dir() / "scaling_fits.csv").read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("#") or "kind" in ln]
    copy = tmp_path / "my_fits.csv"
    copy.write_bytes("\r\n".join(lines).encode() + b"\r\n")  # other bytes, same table
    inputs = resolve_inputs(None, "default", [copy], False)
    assert any("same content as the bundled scaling_fits.csv" in n for n in inputs.notes)
    assert any("--drop-evidence scaling_fits.csv" in n for n in inputs.notes)
    dropped = resolve_inputs(None, "default", [copy], False, drop_evidence=["scaling_fits.csv"])
    assert dropped.notes == ()


def test_raw_data_overlap_note_names_the_bundled_file():
    inputs = resolve_inputs(None, "default", [EXAMPLES / "scaling_synthetic.csv"], False)
    assert len(inputs.notes) == 1 and "--drop-evidence scaling_fits.csv" in inputs.notes[0]


# item 9: plain progress lines; no early time-remaining guess
class Chain:
    def __init__(self, done, total, div=0):
        self.finished_draws, self.total_draws, self.divergences = done, total, div


def test_progress_lines_plain_and_no_early_estimate():
    now = [0.0]
    buf = io.StringIO()
    lines = ProgressLines(stream=buf, live=False, every_s=1.0, clock=lambda: now[0])
    now[0] = 0.5
    lines([Chain(10, 1000)])  # 1%: shown, with no estimate
    now[0] = 0.8
    lines([Chain(20, 1000)])  # within every_s: not shown
    now[0] = 3.0
    lines([Chain(10, 1000)])  # no progress (nutpie initialising): not repeated
    now[0] = 5.0
    lines([Chain(500, 1000, 2)])  # 50% after 5 s: about 5 s left
    now[0] = 6.0
    lines([Chain(1000, 1000)])
    out = buf.getvalue().splitlines()
    assert out[0] == "sampling: 10/1000 draws (1%)"
    assert out[1] == "sampling: 500/1000 draws (50%), 2 divergent, about 5 s left"
    assert out[2] == "sampling: 1000/1000 draws (100%)" and len(out) == 3
    assert "\r" not in buf.getvalue()


def test_progress_live_line_on_a_terminal():
    """On a terminal: rich's line redrawn in place (carriage returns, no new line until
    the end), with the draws, the divergences and, past 20%, the time left."""
    now = [0.0]
    buf = io.StringIO()
    lines = ProgressLines(stream=buf, live=True, every_s=1.0, clock=lambda: now[0])
    for t, done, div in [(0.5, 10, 0), (5.0, 500, 2), (6.0, 1000, 2)]:
        now[0] = t
        lines([Chain(done, 1000, div)])
    out = buf.getvalue()
    assert "\r" in out and out.rstrip("\x1b[?25h").count("\n") == 1
    assert " 500/1000" in out and "2 divergent, about 5 s left" in out
    assert "1000/1000" in out


# issue 14: failed sampling diagnostics -> exit status 3 (report still written)
def test_failed_diagnostics_exit_status(tmp_path, monkeypatch):
    import foomcalc.reporting.workflow as workflow

    monkeypatch.setattr(workflow, "make_report", lambda inputs, **kw: fake_summary(ok=False))
    result = run("report", "--no-evidence", "--out", str(tmp_path / "r"))
    assert result.exit_code == EXIT_DIAGNOSTICS == 3, result.output
    assert "diagnostics" in result.output
    monkeypatch.setattr(workflow, "make_report", lambda inputs, **kw: fake_summary(ok=True))
    assert run("report", "--no-evidence", "--out", str(tmp_path / "r2")).exit_code == 0


def fake_summary(ok: bool) -> dict:
    pair = {"prior": 0.1, "prior_mcse": 0.0, "posterior": 0.2, "mcse": 0.01}
    return {"hard_takeoff": {**pair, "window_days": 30.0}, "p_rsi_feasible": pair,
            "p_r_above_1": pair, "parameters": {},
            "diagnostics": {"ok": ok, "problems": [] if ok else ["2 divergent transitions"]}}


# items 1, 3, 11 and the double-counting note: in summary.json and the report
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from foomcalc.analysis.result import load_result, save_result
    from foomcalc.analysis.run import run_analysis
    from foomcalc.analysis.sensitivity import add_sensitivity
    from foomcalc.priors.files import priors_from_dict

    priors = priors_from_dict({
        "name": "approx", "description": "x", "base": "default",
        "parameters": {"returns_r": {"quantiles": {10: 0.5, 50: 1, 90: 2.2}, "dist": "LogNormal",
                                   "source": "me"}}})
    result = add_sensitivity(run_analysis(priors, [], seed=1, n_prior_draws=2000), priors, [])
    result.attrs["notes_json"] = json.dumps(["a.csv has the same content as the bundled b.csv"])
    path = tmp_path_factory.mktemp("r") / "posterior.nc"
    save_result(result, path)
    return load_result(path)


def test_summary_names_rsi_numbers_apart_and_marks_unused(saved):
    from foomcalc.reporting.summary import summarize

    s = summarize(saved)
    assert s["p_rsi_feasible"]["label"] == "P(seed-AI RSI feasible | observations)"
    # the default mixture weighs horizon, scaling and elo: only the years route is unused
    assert s["gap_from"] == "mixture" and s["unused_parameters"] == sorted(
        ["gap_years", *SPEEDUP_PARTS])  # and the parts of the speed-up route not taken
    assert s["parameters"]["gap_years"]["used"] is False
    assert s["parameters"]["scaling_a"]["used"] is True
    assert all(r["parameter"] != "gap_years" for r in s["sensitivity"]["tornado"]["rows"])
    assert s["parameters"]["returns_r"]["fit_note"].startswith("approximate: max error")
    assert s["notes"] == ["a.csv has the same content as the bundled b.csv"]
    assert s["schema_version"] == "1.3"


def test_report_reads_like_a_product(saved):
    from foomcalc.reporting.report import build_blocks, render_html, render_markdown, short_summary
    from foomcalc.reporting.summary import summarize

    s = summarize(saved)
    blocks = build_blocks(s, saved)
    html = render_html(blocks, "t")
    md = render_markdown(blocks)
    assert blocks[1].kind == "lead" and "P(hard takeoff)" in blocks[1].text  # headline first
    assert "Every draw is run twice" in md  # the branch split in one sentence
    assert "p_rsi_feasible (prior credence parameter" in md
    assert "P(seed-AI RSI feasible | observations)" in md
    assert "<nav class='toc'>" in html and "href='#parameters'" in html
    assert "<h2 id='parameters'>" in html
    table = next(b for b in blocks if b.kind == "table" and b.text.startswith("Parameters"))
    names = [r[0] for r in table.rows]
    assert "gap_years" not in names and "scaling_a" in names
    sources = next(b for b in blocks if b.kind == "table" and b.text.startswith("Sources"))
    returns = next(r for r in sources.rows if r[0] == "returns_r")
    assert "quantile fit approximate: max error" in returns[-1]
    tornado = next(b for b in blocks if b.kind == "table" and b.text.startswith("Tornado"))
    assert all(r[0] != "gap_years" for r in tornado.rows) and tornado.headers[1] == "unit"
    assert "same content as the bundled b.csv" in md
    terminal = short_summary(s)
    assert "P(seed-AI RSI feasible | observations)" in terminal
    assert "returns_r: quantile fit approximate" in terminal


# part 1: make setup installs JupyterLab; make notebooks opens it
def test_make_notebooks_opens_jupyterlab_from_the_venv():
    import subprocess
    import tomllib

    root = Path(__file__).resolve().parents[2]
    dev = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["dev"]
    assert any(d.startswith("jupyterlab") for d in dev)
    dry = subprocess.run(["make", "-n", "-W", "pyproject.toml", "notebooks"], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert ".venv/bin/jupyter lab notebooks/" in dry.stdout, dry.stdout + dry.stderr
    assert "ipykernel install" in dry.stdout


def test_years_route_hides_scaling_gap_parameters(tmp_path):
    """gap_from: years -> the scaling route's gap parameters are the unused ones, and the
    summary, table and parameter figure follow parameters.GAP_PARAMETERS."""
    from foomcalc.analysis.run import run_analysis
    from foomcalc.analysis.sensitivity import add_sensitivity
    from foomcalc.parameters import GAP_PARAMETERS, unused_gap_parameters
    from foomcalc.priors.files import priors_from_dict
    from foomcalc.reporting.figures import parameters_figure
    from foomcalc.reporting.summary import summarize

    others = {p for r in ("scaling", "horizon", "elo") for p in GAP_PARAMETERS[r]}
    assert unused_gap_parameters("years") == others
    priors = priors_from_dict({"name": "y", "description": "x", "base": "default",
                               "gap_from": "years"})
    result = add_sensitivity(run_analysis(priors, [], seed=2, n_prior_draws=1000), priors, [])
    s = summarize(result)
    assert s["parameters"]["gap_years"]["used"] and not s["parameters"]["scaling_a"]["used"]
    rows = {r["parameter"] for r in s["sensitivity"]["tornado"]["rows"]}
    assert "gap_years" in rows and not rows & set(GAP_PARAMETERS["scaling"])
    png_years = parameters_figure(result)
    result.attrs["gap_from"] = "scaling"
    result.attrs["priors_json"] = json.dumps({**json.loads(result.attrs["priors_json"]),
                                              "gap_from": "scaling"})
    assert png_years != parameters_figure(result)  # scaling_a/b panels only when used


def test_unreadable_paths_are_input_errors():
    """Found by the hostile CLI fuzz: a name too long for the file system."""
    for args in (["--priors", "a" * 300], ["--evidence", "a" * 300], ["--out", "a" * 300]):
        result = run("report", "--out", "/tmp/never-written-ux11", *args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("command,module,extra", [("app", "shiny", "app"),
                                                  ("survey", "distributed", "survey")])
def test_a_missing_extra_is_named(command, module, extra, tmp_path, monkeypatch):
    """`pip install .` installs the core only: the app and the survey name their extra."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == module else real(name, *a))
    args = [command] if command == "app" else [command, str(tmp_path / "s.csv"), "--out",
                                                str(tmp_path / "o")]
    result = run(*args)
    assert result.exit_code == 1
    assert f"pip install 'foomcalc[{extra}]'" in result.output
    assert "Traceback" not in result.output
