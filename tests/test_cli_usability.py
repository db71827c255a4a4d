"""What a new user tripped on (issue 11's list; issue 14's notes and exit status): each
test failed before its fix."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foomcalc import __version__
from foomcalc.cli import app
from foomcalc.errors import InputError
from foomcalc.parameters import PARAMETERS
from foomcalc.paths import evidence_dir
from foomcalc.workflow import resolve_inputs

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"foomcalc {__version__}"


def test_presets_show_prints_the_yaml_and_suggests():
    result = run("presets", "--show", "deep-learning-sceptic")
    assert result.exit_code == 0 and "parameters:" in result.output
    bad = run("presets", "--show", "defualt")
    assert bad.exit_code == 2 and "did you mean 'default'" in bad.output


def test_parameters_lists_every_parameter_with_unit():
    result = run("parameters")
    assert result.exit_code == 0
    for p in PARAMETERS.values():
        assert f"{p.name}  [{p.unit};" in result.output


def test_report_help_points_to_the_evidence_format():
    assert "docs/evidence.md" in run("report", "--help").output


def test_folder_as_priors_is_named_a_folder(tmp_path):
    result = run("report", "--priors", str(tmp_path), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "this is a folder" in result.output
    assert "no such file" not in result.output


def test_default_output_folder_follows_the_priors_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    priors = tmp_path / "mine.yaml"
    priors.write_text("name: alice\ndescription: mine\nbase: default\n")
    inputs = resolve_inputs(priors, None, [], True, None)
    assert inputs.out_dir == Path("reports") / "alice"
    assert resolve_inputs(None, "seed-ai-foom", [], True, None).out_dir == \
        Path("reports") / "seed-ai-foom"


def test_drop_one_bundled_file(tmp_path):
    every = resolve_inputs(None, "default", [], False, tmp_path / "a")
    dropped = resolve_inputs(None, "default", [], False, tmp_path / "a",
                             drop_evidence=["scaling_fits"])
    names = {Path(e.path).name for e in dropped.evidence}
    assert len(dropped.evidence) == len(every.evidence) - 1 and "scaling_fits.csv" not in names
    with pytest.raises(InputError) as err:
        resolve_inputs(None, "default", [], False, tmp_path / "a", drop_evidence=["scaling"])
    assert "scaling_fits.csv" in str(err.value)  # lists what can be dropped


def test_resaved_copy_of_bundled_summary_is_refused(tmp_path):
    """Issue 14: a re-saved copy (other comments, CRLF) passed without a note."""
    text = (evidence_dir() / "algorithmic_progress.csv").read_text()
    copy = tmp_path / "my_rates.csv"
    copy.write_text("# my copy\r\n" + text.replace("\n", "\r\n"))
    with pytest.raises(InputError) as err:
        resolve_inputs(None, "default", [copy], False, tmp_path / "r")
    assert "given twice (same rows as algorithmic_progress.csv)" in str(err.value)


def test_user_summary_on_a_bundled_parameter_gets_a_note(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("parameter,estimate,lower,upper,interval,citation\n"
                    "software_doubling_months,7,4,12,0.9,my reading\n")
    notes = resolve_inputs(None, "default", [mine], False, tmp_path / "r").notes
    assert any("mine.csv informs software_doubling_months" in n and "--drop-evidence" in n
               for n in notes)


@pytest.mark.slow
def test_no_evidence_report_replaces_loudly_and_shows_progress_and_fit_notes(tmp_path):
    """Plain progress lines off a terminal; an approximate quantile fit on the terminal and
    beside its parameter in the report; a replaced report is announced."""
    priors = tmp_path / "p.yaml"
    priors.write_text("name: lopsided\ndescription: test\nbase: default\nparameters:\n"
                      "  returns_r:\n    quantiles: {10: 0.5, 50: 0.6, 90: 4}\n"
                      "    dist: LogNormal\n    source: lopsided on purpose\n")
    out = tmp_path / "r"
    first = run("report", "--priors", str(priors), "--no-evidence", "--out", str(out))
    assert first.exit_code == 0, first.output
    assert "foomcalc [" in first.output and "writing the report" in first.output
    assert "note: returns_r: approximate" in first.output
    assert "approximate: max error" in (out / "report.md").read_text()
    assert "replaced" not in first.output
    second = run("report", "--priors", str(priors), "--no-evidence", "--out", str(out))
    assert second.exit_code == 0 and f"replaced the earlier report in {out}" in second.output


@pytest.mark.slow
def test_notes_and_failed_diagnostics_reach_summary_report_and_exit_status(tmp_path,
                                                                          monkeypatch):
    from foomcalc import sampling

    real = sampling.diagnose

    def failing(trace, attempts: int = 1):
        d = real(trace, attempts)
        return type(d)(**{**d.__dict__, "problems": ["forced for the test"]})

    monkeypatch.setattr(sampling, "diagnose", failing)
    mine = tmp_path / "mine.csv"
    mine.write_text("parameter,estimate,lower,upper,interval,citation\n"
                    "software_doubling_months,7,4,12,0.9,my reading\n")
    out = tmp_path / "r"
    result = run("report", "--preset", "default", "--evidence", str(mine), "--draws", "200",
                 "--out", str(out))
    assert result.exit_code == 3, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["diagnostics"]["ok"] is False
    assert any("mine.csv informs" in n for n in summary["notes"])
    assert "Note: mine.csv informs" in (out / "report.md").read_text()
