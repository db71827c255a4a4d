"""The app's live posterior in a real browser (headless Chromium): slider release to a
redrawn prior and posterior answer, against a full refit of the same page.

fast: drag instant_jump_ooms's upper handle (MOVE_PX, alternately right and left) and time, in the
browser (performance.now()), from the pointer's release to the moment both the prior
number (#prior_hard) and the posterior's line (#posterior_method: method and k-hat) have
been redrawn; `moves` repeats, after one untimed move, each from a settled page (the
previous move's curve drawn, then SETTLE_S; the curve's own time is recorded too).
naive: a change that makes reweighting unreliable (retrain_months 10/50/90% = 40/45/50
months, far from its posterior), timed from the change to the refit's answer on the page
(NUTS on the warm compiled model, the app's draws). The app runs with the default 1,000
draws per chain and its own fresh base-posterior folder (sampled once, untimed). Every
wait has a timeout.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from tests.browser import AppServer, make_driver

#: Seconds any single wait may take before the benchmark gives up.
WAIT_S = 600
#: Seconds between a move's redrawn curve and the next move (a person reading the answer).
SETTLE_S = 0.5
#: Pixels per move of instant_jump_ooms' upper handle: enough to change both numbers
#: (the jump carries most hard takeoffs), small enough for PSIS to stay reliable (25 px
#: gave k-hat > 0.7 and so timed refits' cached answers, not reweighting).
MOVE_PX = 10
_WATCH = """
window.__fc = {release: null, prior: null, post: null, figure: null};
const txt = id => (document.getElementById(id) || {}).textContent || '';
const src = () => (document.getElementById('cdf_img') || {}).src || '';
const before = [txt('prior_hard'), txt('posterior_method'), src()];
document.addEventListener('pointerup', () => { window.__fc.release = performance.now(); },
                          {capture: true, once: true});
if (window.__fcObs) window.__fcObs.disconnect();  // one watcher: the last move's
window.__fcObs = new MutationObserver(() => {
  if (window.__fc.release === null) return;
  const p = txt('prior_hard'), q = txt('posterior_method');
  if (window.__fc.prior === null && p && p !== before[0]) window.__fc.prior = performance.now();
  if (window.__fc.post === null && q && q !== before[1]) window.__fc.post = performance.now();
  if (window.__fc.figure === null && src() && src() !== before[2]) {
    window.__fc.figure = performance.now();
  }
});
window.__fcObs.observe(document.body, {subtree: true, childList: true, characterData: true});
"""


def _wait(check, timeout: float = WAIT_S, what: str = "the page"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"{what}: nothing after {timeout:g} s")


def _move(driver, knob, dx: int) -> tuple[float, float, str]:
    """One drag from a settled page; seconds from release to both answers redrawn, and
    to the curve redrawn (the page is then settled again for the next move), and how the
    posterior was had (the method line's first words: PSIS, exact redraw, refit...)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.execute_script(_WATCH)
    ActionChains(driver).click_and_hold(knob).move_by_offset(dx, 0).release().perform()
    got = _wait(lambda: (lambda r: r if r["prior"] and r["post"] and r["figure"] else None)(
        driver.execute_script("return window.__fc;")), 60, "the redrawn answers")
    time.sleep(SETTLE_S)
    method = driver.find_element(By.ID, "posterior_method").text.split(";")[0]
    return ((max(got["prior"], got["post"]) - got["release"]) / 1000.0,
            (got["figure"] - got["release"]) / 1000.0, method)


def _refit_seconds(driver, url: str) -> float:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(url)
    _wait(lambda: driver.find_elements(By.ID, "posterior_live_hard"), what="the posterior")
    start = time.monotonic()
    for field, value in (("hi_retrain_months", 50), ("m_retrain_months", 45),
                         ("lo_retrain_months", 40)):
        box = driver.find_element(By.ID, field)
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(str(value), Keys.TAB)
    # read in one script: the line is redrawn while it is read
    _wait(lambda: "NUTS refit" in driver.execute_script(
        "return (document.getElementById('posterior_method') || {}).textContent || '';"),
        what="the refit")
    return time.monotonic() - start


def live_posterior_latency(moves: int, refits: int, draws: int = 1000) -> dict:
    """Raw timings (s) of `moves` slider moves and `refits` refits, plus the page's
    last posterior line."""
    from selenium.webdriver.common.by import By

    tmp = Path(tempfile.mkdtemp(prefix="foomcalc-bench-live-"))
    old = os.environ.get("FOOMCALC_APP_BASES")
    os.environ["FOOMCALC_APP_BASES"] = str(tmp / "bases")
    try:
        server = AppServer(tmp / "work", draws=draws)
    finally:
        os.environ.pop("FOOMCALC_APP_BASES") if old is None else \
            os.environ.__setitem__("FOOMCALC_APP_BASES", old)
    driver = make_driver(tmp)
    try:
        driver.get(server.url)
        start = time.monotonic()
        _wait(lambda: driver.find_elements(By.ID, "posterior_live_hard"), what="the base")
        base_s = time.monotonic() - start
        knob = driver.find_element(By.ID, "r_instant_jump_ooms").find_element(
            By.XPATH, "..").find_element(By.CSS_SELECTOR, ".irs-handle.to")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", knob)
        # untimed: the first fit of another family; then between +MOVE_PX and +2 MOVE_PX
        # from the preset, so no move returns to the preset's own (unchanged) answer
        _move(driver, knob, 2 * MOVE_PX)
        timed = [_move(driver, knob, -MOVE_PX if i % 2 == 0 else MOVE_PX)
                 for i in range(moves)]
        line = driver.find_element(By.ID, "posterior_method").text
        refit = [_refit_seconds(driver, server.url) for _ in range(refits)]
    finally:
        driver.quit()
        server.stop()
    return {"move_s": [t[0] for t in timed], "figure_s": [t[1] for t in timed],
            "methods": [t[2] for t in timed],
            "refit_s": refit, "base_first_s": base_s, "draws": draws, "last_method_line": line}
