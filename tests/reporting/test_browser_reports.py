"""report.html and comparison.html in a real browser (headless Chromium; issue 11 part 3):
no horizontal overflow, every figure loads, nothing requested from the network.

The reports are made here from small runs without evidence (no NUTS sampling needed:
every parameter's posterior is its prior), so the pages have every block a report has.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import make_driver, remote, requested_urls, require_browser

WIDTHS = (1280, 900)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    require_browser()
    from foomcalc.reporting.comparison import make_comparison
    from foomcalc.reporting.workflow import make_report, resolve_inputs

    root = tmp_path_factory.mktemp("reports")
    for preset in ("default", "forethought-2025"):
        inputs = resolve_inputs(None, preset, [], True, root / preset)
        make_report(inputs, seed=1, draws=200)
    make_comparison([root / "default", root / "forethought-2025"], root / "comparison")
    return {"report": root / "default" / "report.html",
            "compare": root / "comparison" / "comparison.html"}


def page_problems(driver, url: str) -> list[str]:
    """Layout problems of the page at `url`: figures that did not load or stick out,
    horizontal overflow, tables wider than the window, requests to the network."""
    driver.get(url)
    problems = []
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.alt || i.src.slice(0, 40), "
        "i.complete, i.naturalWidth, i.getBoundingClientRect().right]);")
    if not images:
        problems.append("no figures")
    view = driver.execute_script("return document.documentElement.clientWidth")
    for alt, complete, natural, right in images:
        if not (complete and natural > 0):
            problems.append(f"figure {alt!r} did not load")
        elif right > view + 1:
            problems.append(f"figure {alt!r} sticks out")
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems.append(f"overflows horizontally by {overflow}px")
    wide = driver.execute_script(
        "return Array.from(document.querySelectorAll('table')).filter("
        "t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".length")
    if wide:
        problems.append(f"{wide} table(s) wider than the window")
    problems += [f"requested {u}" for u in remote(requested_urls(driver))]
    return problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["report", "compare"])
def test_page_layout_figures_and_no_network(pages, name, width, tmp_path):
    driver = make_driver(tmp_path, width=width, height=900)
    try:
        assert page_problems(driver, pages[name].as_uri()) == [], f"{name} at {width}px"
    finally:
        driver.quit()


def test_the_checks_catch_a_bad_page(tmp_path):
    """A broken figure, a remote image, a too-wide table: each is reported."""
    require_browser()
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><img alt='broken' src='missing.png'>"
                   "<img alt='remote' src='http://192.0.2.1/x.png'>"
                   "<table style='width:3000px'><tr><td>x</td></tr></table></body></html>")
    driver = make_driver(tmp_path, width=900, height=600)
    try:
        problems = page_problems(driver, bad.as_uri())
    finally:
        driver.quit()
    text = "\n".join(problems)
    assert "figure 'broken' did not load" in text and "figure 'remote' did not load" in text
    assert "overflows horizontally" in text and "1 table(s) wider" in text
    assert "requested http://192.0.2.1/x.png" in text
