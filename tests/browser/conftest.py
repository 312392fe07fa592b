"""A real browser: Debian's Chromium (the server it visits is in ``live_server.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import requires


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (``playwright install`` cannot download here).

    Module-scoped on purpose: Playwright's sync API keeps an event loop running in this thread
    while it is open, which would break the async tests that run after the browser tests.
    """
    executable = shutil.which("chromium")
    requires(executable is not None, "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()
