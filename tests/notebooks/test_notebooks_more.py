"""Notebooks 04-06 run top to bottom (the other half of test_notebooks.py, split so that
pytest-xdist's per-file distribution puts the two halves on different workers)."""

from __future__ import annotations

import json

import pytest

from tests.notebooks.runner import report_summary, run_notebook


@pytest.mark.slow
def test_04_compare_reports(tmp_path):
    out = run_notebook("04-compare-reports", tmp_path)
    data = json.loads((out / "comparison" / "comparison.json").read_text())
    assert [r["label"] for r in data["reports"]] == ["alice", "bob"]
    assert data["cruxes"] and data["cruxes"][0]["rows"]
    assert (out / "comparison" / "comparison.html").is_file()


@pytest.mark.slow
def test_05_published_positions(tmp_path):
    out = run_notebook("05-published-positions", tmp_path)
    hard = {name: report_summary(out / name)["hard_takeoff"]["posterior"]
            for name in ("default", "forethought-2025", "deep-learning-sceptic", "seed-ai-foom")}
    assert hard["deep-learning-sceptic"] < hard["seed-ai-foom"]


@pytest.mark.slow
def test_06_survey(tmp_path):
    out = run_notebook("06-survey", tmp_path)
    data = json.loads((out / "survey.json").read_text())
    assert data["n_respondents"] == 8 and not data["skipped"]
    assert (out / "survey.html").is_file() and (out / "base" / "default" / "summary.json").is_file()
