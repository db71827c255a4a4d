"""Screenshots of the web app and of a report for docs/ (PNG, 256 colours).

Run: .venv/bin/python scripts/screenshots.py  (needs Debian's chromium + chromium-driver;
about two minutes: the app's base posterior of the default preset (300 draws per chain,
in a fresh cache folder), one report with bundled evidence). Writes docs/app.png (an
edited state with a rank correlation: the live prior and posterior), docs/report.png and
docs/report-parameters.png (the parameter table at 900 px).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import AppServer, make_driver  # noqa: E402


def save(driver, path: Path) -> None:
    driver.save_screenshot(str(path))
    Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} kB)")


def main() -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from foomcalc.reporting.workflow import make_report, resolve_inputs

    tmp = Path(tempfile.mkdtemp(prefix="foomcalc-shots-"))
    os.environ["FOOMCALC_APP_BASES"] = str(tmp / "bases")  # AppServer passes it on
    server = AppServer(tmp / "work", draws=300)
    driver = make_driver(tmp, width=1400, height=1700)
    try:
        driver.get(server.url + "?preset=default&returns_r=0.6,1.3,3.2"
                                "&corr=returns_r:limit_ooms:0.5")
        WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "prior_hard").text)
        WebDriverWait(driver, 600).until(
            lambda d: d.find_elements(By.ID, "posterior_live_hard"))
        WebDriverWait(driver, 120).until(  # the curve and table with the posterior
            lambda d: "posterior (prior)" in d.find_element(By.ID, "compression").text)
        driver.execute_script("document.querySelectorAll('main, .main, .bslib-sidebar-layout "
                              "> *').forEach(e => e.scrollTop = 0); window.scrollTo(0, 0)")
        time.sleep(1)
        save(driver, ROOT / "docs" / "app.png")
        inputs = resolve_inputs(None, "default", [], False, tmp / "report")
        make_report(inputs, seed=0, draws=300)
        driver.set_window_size(1100, 1300)
        driver.get((tmp / "report" / "report.html").as_uri())
        time.sleep(1)
        save(driver, ROOT / "docs" / "report.png")
        driver.set_window_size(900, 1100)
        driver.execute_script(
            "Array.from(document.querySelectorAll('caption')).find(c => c.textContent"
            ".startsWith('Parameters')).scrollIntoView()")
        time.sleep(1)
        save(driver, ROOT / "docs" / "report-parameters.png")
    finally:
        driver.quit()
        server.stop()


if __name__ == "__main__":
    main()
