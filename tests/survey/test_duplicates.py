"""A respondent id given twice is refused (exit 2, naming the id and where each copy is),
never kept as one person without a word: CSV rows, keys of a YAML survey (a YAML mapping
keeps only the last copy of a key), and priors files of one folder with the same stem."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from foomcalc.cli import commands as cli
from foomcalc.errors import InputError
from foomcalc.survey.run import read_survey

HEADER = "respondent,speedup@10,speedup@50,speedup@90\n"


def test_csv_duplicate_id_is_refused_naming_both_lines(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "ok1,2,5,20\nok2,2,6,30\nok1,3,9,40\n")
    with pytest.raises(InputError) as exc:
        read_survey(path)
    assert "respondent 'ok1' is given twice (lines 2 and 4)" in str(exc.value)


def test_ids_differing_only_in_case_or_spaces_are_the_same(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "OK1,2,5,20\n ok1 ,3,9,40\n")
    with pytest.raises(InputError, match="respondent 'ok1' is given twice"):
        read_survey(path)


def test_yaml_duplicate_key_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("ok1:\n  base: default\nok2:\n  base: default\nok1:\n  base: default\n")
    with pytest.raises(InputError) as exc:
        read_survey(path)
    assert "'ok1' is given twice (lines 1 and 5)" in str(exc.value)


def test_yaml_duplicate_key_inside_a_respondent_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("ok1:\n  base: default\n  parameters:\n    speedup: {value: 3, source: a}\n"
                    "    speedup: {value: 30, source: b}\n")
    with pytest.raises(InputError, match="'speedup' is given twice"):
        read_survey(path)


def test_folder_with_two_files_for_one_id_is_refused(tmp_path):
    for name in ("ok1.yaml", "ok1.yml", "ok2.yaml"):
        (tmp_path / name).write_text("name: x\ndescription: y\nbase: default\n")
    with pytest.raises(InputError) as exc:
        read_survey(tmp_path)
    assert "respondent 'ok1' is given twice (files ok1.yaml and ok1.yml)" in str(exc.value)


def test_unique_ids_still_read(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "ok1,2,5,20\nok2,3,9,40\n")
    assert sorted(read_survey(path).respondents) == ["ok1", "ok2"]


def test_cli_exits_2_before_any_work(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "ok1,2,5,20\nok1,3,9,40\n")
    result = CliRunner().invoke(cli.app, ["survey", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, (result.output, repr(result.exception))
    assert "given twice" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()
