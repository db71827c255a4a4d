"""report.html's parameter table reads at 900 px: no number wraps inside itself (the
sources, long text, are in a table of their own); the tornado's baseline is labelled.

The report is made from a small run without evidence (every posterior is its prior), in
headless Chromium (tests/browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import make_driver, require_browser

#: A cell holds one line of text when its content is less than 1.5 line heights tall.
ONE_LINE = 1.5


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from foomcalc.reporting.workflow import make_report, resolve_inputs

    out = tmp_path_factory.mktemp("report") / "default"
    make_report(resolve_inputs(None, "default", [], True, out), seed=1, draws=200)
    return out


def test_parameter_numbers_never_wrap_at_900_px(report, tmp_path):
    require_browser()
    driver = make_driver(tmp_path, width=900, height=1000)
    try:
        driver.get(f"file://{report / 'report.html'}")
        lines = driver.execute_script("""
            const table = Array.from(document.querySelectorAll('table')).find(
              t => t.caption && t.caption.textContent.startsWith('Parameters'));
            return Array.from(table.querySelectorAll('tr')).slice(1).flatMap(tr =>
              Array.from(tr.children).slice(2, 4).map(td => {
                const r = document.createRange(); r.selectNodeContents(td);
                const lh = parseFloat(getComputedStyle(td).lineHeight);
                return [td.textContent, r.getBoundingClientRect().height / lh];
              }));""")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    finally:
        driver.quit()
    assert len(lines) > 20
    wrapped = [text for text, height in lines if height >= ONE_LINE]
    assert not wrapped, wrapped
    assert overflow <= 0


def test_sources_and_the_tornado_baseline_are_said(report):
    md = (report / "report.md").read_text()
    assert "| parameter | unit | prior | posterior |" in md
    assert "| parameter | source |" in md
    assert "baseline, nothing pinned, on them:" in md
    html = (report / "report.html").read_text()
    assert "white-space:nowrap" in html


def test_a_reports_rank_correlations_are_listed(tmp_path):
    """A priors file's correlations appear in the parameter table and its sources."""
    from foomcalc.reporting.workflow import make_report, resolve_inputs

    f = tmp_path / "c.yaml"
    f.write_text("name: corr\nbase: default\ncorrelations:\n  - [returns_r, limit_ooms, 0.5]\n")
    make_report(resolve_inputs(f, None, [], True, tmp_path / "out"), seed=1, draws=100)
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| returns_r ~ limit_ooms |  | rank correlation 0.5 |  |" in md
    assert "| returns_r ~ limit_ooms | joined by a Gaussian copula (docs/priors.md) |" in md
