"""Evidence uploads in a real browser against a real `foomcalc app`: a large file is
checked off the event loop (the server answers other requests meanwhile, and the page
says what it is checking instead of showing the previous upload's error), stored once,
replaced by a later upload of the same name, and an upload above the size limit is
refused with a message naming the limit."""

from __future__ import annotations

import http.client
import time

import numpy as np
import pytest

from foomcalc.evidence.files import MAX_MB
from tests.browser import AppServer, require_browser, wait_until

LIMIT_MB = 20


def scaling_csv(path, n_rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 10 ** rng.uniform(7, 11, n_rows)
    d = 20 * n * 10 ** rng.uniform(-1, 1, n_rows)
    loss = (1.69 + 406.4 / n**0.34 + 410.7 / d**0.28) * np.exp(rng.normal(0, 0.02, n_rows))
    np.savetxt(path, np.column_stack([n, d, loss]), fmt=["%.6g", "%.6g", "%.5f"],
               delimiter=",", header="params,tokens,loss", comments="")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with its temporary files (Shiny's upload copies) in a folder of its own and
    the evidence size limit at LIMIT_MB."""
    require_browser()
    base = tmp_path_factory.mktemp("uploads")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(base / "tmp"))
        mp.setenv(MAX_MB.env, str(LIMIT_MB))
        (base / "tmp").mkdir()
        srv = AppServer(base / "work", draws=100)
    srv.tmp, srv.work = base / "tmp", base / "work"
    yield srv
    srv.stop()


def wait(predicate, timeout: float = 120):
    return wait_until(predicate, timeout)


def element_text(driver, element_id: str) -> str | None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        found = driver.find_elements(By.ID, element_id)
        return found[0].text if found else None
    except StaleElementReferenceException:
        return None


def page_answers(server) -> float:
    """Seconds the app takes to answer GET /."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    conn.close()
    return time.monotonic() - started


def copies_of(folder, size: int) -> list:
    return [p for p in folder.rglob("*") if p.is_file() and p.stat().st_size == size]


def test_large_upload_is_checked_off_the_loop_and_stored_once(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    big = scaling_csv(tmp_path / "big scaling.csv", 550_000)  # ~17 MB: seconds to check
    bad = tmp_path / "bad.csv"
    bad.write_text("params,tokens,loss\n1e9,2e10,-3\n")
    driver.get(server.url)
    upload = driver.find_element(By.CSS_SELECTOR, "input#upload")
    upload.send_keys(str(bad))
    assert wait(lambda: element_text(driver, "upload_error")).startswith("bad.csv: ")

    upload.send_keys(str(big))
    checking = wait(lambda: element_text(driver, "upload_checking"))
    assert checking == "checking big scaling.csv ..."
    assert element_text(driver, "upload_error") is None  # the previous message is gone
    seconds = page_answers(server)
    still = element_text(driver, "upload_checking")
    assert still == checking, ("the page was answered only after the check", seconds)

    listed = wait(lambda: element_text(driver, "upload_list"))
    assert listed.startswith("big_scaling.csv: scaling: 500 points") and "thinned" in listed
    size = big.stat().st_size
    assert len(copies_of(server.work, size)) == 1  # stored once, in the work folder
    assert copies_of(server.tmp, size) == []  # no second copy in the server's temp folder

    # the same name again (other content): it replaces the first, in the list and on disk
    again = tmp_path / "again"
    again.mkdir()
    small = scaling_csv(again / "big scaling.csv", 40, seed=1)
    upload.send_keys(str(small))
    wait(lambda: "40 points" in (element_text(driver, "upload_list") or ""))
    lines = element_text(driver, "upload_list").splitlines()
    assert [line for line in lines if line.startswith("big_scaling.csv:")] == \
        ["big_scaling.csv: scaling: 40 points from big_scaling.csv"]
    assert copies_of(server.work, size) == []
    assert len(list(server.work.rglob("big_scaling.csv"))) == 1


def test_upload_above_the_limit_shows_the_limit(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.write(b"params,tokens,loss\n")
        f.truncate((LIMIT_MB + 1) * 2**20)
    driver.get(server.url)
    driver.find_element(By.CSS_SELECTOR, "input#upload").send_keys(str(huge))
    bar = wait(lambda: (element_text(driver, "upload_progress") or "").strip()
               if "limited" in (element_text(driver, "upload_progress") or "") else None,
               timeout=60)
    assert f"limited to {LIMIT_MB} MB" in bar and MAX_MB.env in bar
    assert copies_of(server.work, huge.stat().st_size) == []
