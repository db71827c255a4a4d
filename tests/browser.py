"""Helpers for the browser tests: headless Chromium from the system packages (Debian's
chromium + chromium-driver) driven by Selenium, and the app served in a subprocess.

Where Chromium is missing the tests skip with a line saying so; with
FOOMCALC_REQUIRE_BROWSER=1 (set by .ci/run under CI=true) they fail instead.
No browser is ever downloaded: Selenium is pointed at /usr/bin/chromedriver.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FOOMCALC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FOOMCALC_CHROMEDRIVER", "/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]


def require_browser() -> None:
    """Skip (or, with FOOMCALC_REQUIRE_BROWSER=1, fail) when Chromium is not installed."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        message = (f"browser tests need {', '.join(missing)} "
                   "(apt-get install chromium chromium-driver)")
        if os.environ.get("FOOMCALC_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; FOOMCALC_REQUIRE_BROWSER=1 forbids skipping")
        pytest.skip(message)


def make_driver(tmp_path: Path, width: int = 1400, height: int = 1000):
    """Headless Chromium with a fresh profile, no background networking, and the
    performance log on (to list every request the page made)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={width},{height}",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    opts.add_experimental_option("prefs", {"download.default_directory": str(tmp_path)})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    return driver


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (from the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def remote(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine: http(s)/ws(s) to a host other than this one
    (browser-internal chrome:, file:, data: and blob: URLs stay local)."""
    from urllib.parse import urlsplit

    return [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and urlsplit(u).hostname not in ("127.0.0.1", "localhost", "::1")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`foomcalc app --no-browser` in a subprocess, stopped (by its pid) at the end."""

    def __init__(self, work_dir: Path, draws: int = 100):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        self.log = open(work_dir.parent / "app-server.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "foomcalc", "app", "--no-browser", "--port", str(self.port),
             "--work-dir", str(work_dir), "--draws", str(draws)],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited: {Path(self.log.name).read_text()}")
            try:
                urllib.request.urlopen(self.url, timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("app did not start within 90 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()



def wait_until(get, timeout: float = 30, what: str = "the page", poll_s: float = 0.1):
    """Poll `get()` until it returns something truthy (returned); AssertionError naming
    `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = get()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"{what}: nothing after {timeout:g} s")
