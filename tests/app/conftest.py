"""The headless Chromium the app's browser tests drive (tests/browser.py)."""

from __future__ import annotations

import pytest

from tests.browser import make_driver, require_browser


@pytest.fixture
def driver(tmp_path):
    """A headless Chromium for one test (skipped without one), quit afterwards."""
    require_browser()
    d = make_driver(tmp_path)
    yield d
    d.quit()
