"""The web app in a real browser (headless Chromium, system package): load, move a
slider and see the prior and the posterior change, a change that breaks reweighting
shows the refit and then its answer, the untouched page shows no edits, odd links show
an answer or a message; upload a bad CSV and see the CLI's message, copy the link, open
it and see the same state; no remote requests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from foomcalc.paths import data_dir
from tests.browser import AppServer, remote, requested_urls, require_browser, wait_until


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with 100 draws per chain; base posteriors cached in a fresh folder."""
    require_browser()
    bases = tmp_path_factory.mktemp("bases")
    old = os.environ.get("FOOMCALC_APP_BASES")
    os.environ["FOOMCALC_APP_BASES"] = str(bases)  # AppServer passes os.environ on
    try:
        srv = AppServer(tmp_path_factory.mktemp("app") / "work", draws=100)
    finally:
        if old is None:
            os.environ.pop("FOOMCALC_APP_BASES")
        else:
            os.environ["FOOMCALC_APP_BASES"] = old
    yield srv
    srv.stop()


def _first(driver, css: str, read, timeout):
    """`read(element)` of the first element matching `css` once it is truthy, read inside
    the wait: a live element (a progress line) may be replaced between finding and
    reading, which is retried rather than failed."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        els = d.find_elements(By.CSS_SELECTOR, css)
        return read(els[0]) if els else False

    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(StaleElementReferenceException,)).until(found)


def wait_for(driver, css: str, predicate=lambda el: el.text.strip() != "", timeout=60):
    """The first element matching `css` once `predicate` holds for it."""
    return _first(driver, css, lambda el: el if predicate(el) else False, timeout)


def wait_read(driver, css: str, predicate=lambda el: el.text.strip() != "", timeout=60) -> str:
    """The text of the first element matching `css` once `predicate` holds for it, read
    inside the wait (the element may be redrawn between finding and reading)."""
    return _first(driver, css, lambda el: el.text if predicate(el) else False, timeout)


def wait_text(driver, css: str, timeout=60) -> str:
    """The text of the first element matching `css` once it is non-empty."""
    return _first(driver, css, lambda el: el.text if el.text.strip() else False, timeout)


def drag_handle(driver, slider_id: str, handle: str, dx: int) -> None:
    """Drag one handle ('from' or 'to') of an ionRangeSlider as a user would."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    container = driver.find_element(By.ID, slider_id).find_element(By.XPATH, "..")
    knob = container.find_element(By.CSS_SELECTOR, f".irs-handle.{handle}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", knob)
    ActionChains(driver).click_and_hold(knob).move_by_offset(dx, 0).pause(0.2).release().perform()


def test_app_slider_upload_and_link(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    from foomcalc.errors import InputError
    from foomcalc.evidence.files import load_evidence
    from foomcalc.parameters import PARAMETERS

    driver.get(server.url)
    before = wait_read(driver, "#prior_hard")
    assert before.endswith("%")
    assert "prior P(hard takeoff)" in driver.find_element(By.ID, "headline").text
    # every parameter has a control with its unit and meaning
    assert len(driver.find_elements(By.CSS_SELECTOR, ".fc-param")) == len(PARAMETERS)
    assert "(dimensionless)" in driver.find_element(By.ID, "param-returns_r").text
    # the curve is drawn, the compression table filled, nothing sticks out sideways
    wait_for(driver, "#cdf img", lambda el: el.get_property("naturalWidth") > 0)
    # the tables are separate outputs of the same figures task: they may land just after
    # the curve, so counted in one script until they are there (9 = 3 x 3 windows; a cell
    # reads "8.0%", or "8.0% (19.7%)" once the posterior is there)
    assert wait_until(lambda: driver.execute_script(
        "return [...document.querySelectorAll('#compression_table td')]"
        ".filter(td => td.textContent.includes('%')).length") == 9)
    # the gap as an axis: 6 gaps x 4 windows (read in one script: the table is redrawn)
    assert wait_until(lambda: driver.execute_script(
        "return [...document.querySelectorAll('#gap_axis_table td')]"
        ".filter(td => td.textContent.includes('%')).length") == 24)
    assert driver.execute_script("return document.documentElement.scrollWidth - "
                                 "document.documentElement.clientWidth") <= 0

    # move the upper handle of instant_jump_ooms far right: a bigger overhang -> more hard
    # takeoff (returns barely move the 30-day answer since the compute bottleneck acts at
    # automation: most 30-day takeoffs are carried by the jump)
    drag_handle(driver, "r_instant_jump_ooms", "to", 120)
    after = wait_read(driver, "#prior_hard", lambda el: el.text not in ("", before))
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    link_box = wait_for(driver, "#share_link",
                        lambda el: "instant_jump_ooms=" in (el.get_attribute("value") or ""))
    assert "instant_jump_ooms" in wait_read(driver, "#edited")
    assert wait_text(driver, "#fit_instant_jump_ooms").startswith("fit: ")

    # the downloaded priors YAML is the state of the link, and report --priors reads it
    from urllib.parse import urlsplit

    from foomcalc.analysis.reweight import spec_key
    from foomcalc.app.state import state_from_query, state_priors
    from foomcalc.priors.files import load_priors

    driver.find_element(By.ID, "download_priors").click()
    yaml_file = wait_until(lambda: next(iter(tmp_path.glob("*.yaml")), None))
    downloaded = load_priors(yaml_file)
    shown = state_priors(state_from_query(urlsplit(link_box.get_attribute("value")).query))
    assert {n: spec_key(s) for n, s in downloaded.specs.items()} == \
        {n: spec_key(s) for n, s in shown.specs.items()}
    assert downloaded.specs["instant_jump_ooms"].quantiles is not None

    # a bad evidence file: the page shows the CLI's message, naming the file
    bad = tmp_path / "bad returns.csv"
    bad.write_text("kind,returns\nreturns,abc\n")
    with pytest.raises(InputError) as exc:
        load_evidence(bad)
    driver.find_element(By.CSS_SELECTOR, "input#upload").send_keys(str(bad))
    shown = wait_read(driver, "#upload_error")
    assert shown.startswith("bad_returns.csv: ")
    for problem in exc.value.problems:
        assert problem in shown

    # a good file is listed (and the error of the bad one goes)
    good = data_dir() / "examples" / "scaling_synthetic.csv"
    driver.find_element(By.CSS_SELECTOR, "input#upload").send_keys(str(good))
    listed = wait_read(driver, "#upload_list")
    assert listed.startswith("scaling_synthetic.csv: ")
    assert not driver.find_elements(By.ID, "upload_error")

    # copy the link, open it in a fresh page: the same state and the same number
    driver.find_element(By.ID, "copy_link").click()
    wait_for(driver, "#copy_link", lambda el: el.text == "Copied")
    link = link_box.get_attribute("value")
    assert link.startswith(server.url + "?")
    driver.get("about:blank")
    driver.get(link)
    assert wait_read(driver, "#prior_hard") == after
    again = wait_for(driver, "#share_link", lambda el: el.get_attribute("value") != "")
    assert again.get_attribute("value") == link
    assert "instant_jump_ooms" in wait_read(driver, "#edited")

    assert remote(requested_urls(driver)) == []


def test_app_bad_link_is_explained(server, driver):
    driver.get(server.url + "?preset=nope&returns_r=a,b")
    text = wait_read(driver, "#link_error")
    assert "unknown preset 'nope'" in text and "returns_r: expected one value" in text
    assert wait_read(driver, "#prior_hard").endswith("%")


@pytest.mark.slow
def test_app_update_with_evidence_and_compare(server, driver):
    """The full posterior with a progress line, then crux tables against a preset (run
    with the same evidence) and against a saved report folder, as `foomcalc compare`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(server.url)
    prior = wait_read(driver, "#prior_hard")
    driver.find_element(By.ID, "update").click()
    progress = wait_text(driver, "#run_status .fc-running", timeout=20)
    assert progress.endswith(" s") and " ... " in progress  # "<stage> ... <seconds> s"
    posterior = wait_read(driver, "#posterior_hard", timeout=600)
    assert posterior.endswith("%") and prior.endswith("%")
    report_link = driver.find_element(By.CSS_SELECTOR, "#run_status a").get_attribute("href")

    Select(driver.find_element(By.ID, "compare_preset")).select_by_value("seed-ai-foom")
    driver.find_element(By.ID, "compare").click()
    wait_for(driver, "#compare_status .fc-running", timeout=20)
    table = wait_read(driver, "#crux_table", timeout=600)
    assert "seed-ai-foom" in table and "pp" in table
    written = driver.find_element(By.ID, "compare_status").text
    work = Path(written.split("Written to ")[1].split("/comparison")[0])
    saved = next(p for p in sorted(work.glob("seed-ai-foom-*")) if p.is_dir())

    Select(driver.find_element(By.ID, "compare_with")).select_by_value("folder")
    box = driver.find_element(By.ID, "compare_folder")
    box.clear()
    box.send_keys(str(saved))
    driver.find_element(By.ID, "compare").click()
    again = wait_read(driver, "#compare_status",
                     lambda el: "comparison-2" in el.text, timeout=600)
    assert "seed-ai-foom" in again

    driver.get(report_link)
    assert "foomcalc report" in driver.title
    assert remote(requested_urls(driver)) == []


def posterior_text(driver, timeout=300) -> str:
    """The reliable posterior number once the base posterior is there."""
    return wait_read(driver, "#posterior_live_hard", timeout=timeout)


def test_the_posterior_moves_with_a_slider_without_a_button(server, driver):
    """Open the app, wait for the preset's posterior, drag speedup's upper handle far
    right (no evidence informs it: exact redraw): the posterior P(hard takeoff) rises,
    no button pressed; then returns_r's (informed: PSIS, with k-hat)."""
    from selenium.webdriver.common.by import By

    driver.get(server.url)
    before = posterior_text(driver)
    method = wait_text(driver, "#posterior_method")
    assert "as it is" in method
    drag_handle(driver, "r_speedup", "to", 150)
    wait_for(driver, "#posterior_method", lambda el: "redrawn exactly" in el.text, timeout=60)
    after = posterior_text(driver)
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    assert "Monte Carlo error" in driver.find_element(By.ID, "posterior_live").text
    # a small move: PSIS on the 400-draw base stays reliable (40 px gave k-hat 0.71)
    drag_handle(driver, "r_returns_r", "to", 15)
    text = wait_read(driver, "#posterior_method", lambda el: "PSIS" in el.text, timeout=60)
    assert "Pareto k-hat" in text and not driver.find_elements(By.ID, "posterior_refit")
    assert driver.find_elements(By.CSS_SELECTOR, "#compression_table td")
    assert remote(requested_urls(driver)) == []


def set_number(driver, input_id: str, value: float) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.ID, input_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value), Keys.TAB)


@pytest.mark.slow
def test_a_change_that_breaks_reweighting_shows_the_refit_then_its_answer(server, driver):
    """retrain_months (informed by the training-duration evidence) moved to 10/50/90% =
    40/45/50 months, far from its posterior: the weights are unusable, the page says so
    with the last reliable answer greyed, refits in the background, then shows the
    refit's answer."""
    driver.get(server.url)
    posterior_text(driver)
    for field, value in (("hi_retrain_months", 50), ("m_retrain_months", 45),
                         ("lo_retrain_months", 40)):
        set_number(driver, field, value)
    line = wait_text(driver, "#posterior_refit", timeout=60)
    assert "Reweighting is not reliable here" in line and "refitting in the background" in line
    assert wait_read(driver, "#posterior_stale_hard").endswith("%")
    done = wait_for(driver, "#posterior_method", lambda el: "NUTS refit" in el.text,
                    timeout=600)
    assert done.text.startswith("From a NUTS refit")
    assert posterior_text(driver).endswith("%")


def test_the_untouched_page_shows_no_edits(server, driver):
    """No "Edited", the link is the preset alone, for every preset."""
    from selenium.webdriver.common.by import By

    from foomcalc.priors.files import list_presets

    for name, _ in list_presets():
        driver.get(f"{server.url}?preset={name}")
        wait_for(driver, "#prior_hard")
        link = wait_for(driver, "#share_link", lambda el: el.get_attribute("value") != "")
        assert link.get_attribute("value") == f"{server.url}?preset={name}", name
        assert "Edited" not in driver.find_element(By.ID, "headline").text, name
        assert wait_text(driver, "#edited") == f"The {name} preset as it is."


@pytest.mark.parametrize("query", ["speedup=1e308", "limit_ooms=1e308",
                                   "retrain_months=1e-300",
                                   "preset=seed-ai-foom&instant_jump_ooms=0.5"])
def test_odd_links_show_an_answer_or_a_message(server, driver, query):
    """Links that once blanked the answer panel: a fixed value for an uncertain prior,
    extreme values. The prior answer (or its message) is on the page."""
    from selenium.webdriver.common.by import By

    driver.get(f"{server.url}?{query}")
    wait_for(driver, "#prior_hard, #prior_answer_error, #prior_error", timeout=90)
    text = driver.find_element(By.ID, "headline").text
    assert text.strip(), query
    name = query.split("&")[-1].split("=")[0]
    assert driver.find_elements(By.ID, f"v_{name}")  # a fixed-value field, read as such


def test_a_rank_correlation_set_on_the_page(server, driver, tmp_path):
    """The pair editor: returns_r ~ limit_ooms 0.5 enters the link, the edits line and
    the downloaded priors YAML."""
    from selenium.webdriver.common.by import By

    from foomcalc.priors.files import load_priors

    driver.get(server.url)
    wait_for(driver, "#prior_hard")
    set_number(driver, "corr_rho", 0.5)
    driver.find_element(By.ID, "corr_set").click()
    assert "returns_r ~ limit_ooms: 0.5" in wait_text(driver, "#corr_pairs")
    wait_for(driver, "#share_link",
             lambda el: "corr=returns_r:limit_ooms:0.5" in el.get_attribute("value"))
    assert "rank correlation 0.5" in wait_text(driver, "#edited")
    driver.find_element(By.ID, "download_priors").click()
    yaml_file = wait_until(lambda: next(iter(tmp_path.glob("*.yaml")), None))
    assert load_priors(yaml_file).correlations == (("returns_r", "limit_ooms", 0.5),)
