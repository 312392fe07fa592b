"""The whole OIDC sign-in in headless Chromium: our sign-in page, the provider's pages, /profile."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import requires
from oidc_provider import log_in_and_consent, loopback_context

from .app import MUST_LOG_IN, Format, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.node]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium, driven by Playwright (never ``playwright install``)."""
    executable = shutil.which("chromium")
    requires(executable is not None, "Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def test_sign_in_with_the_provider_in_a_browser(
    chromium: Any, site: LiveServer, format: Format, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = loopback_context(chromium)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/profile")
        expect(page.get_by_text(MUST_LOG_IN)).to_be_visible()
        page.get_by_role("link", name="Sign in").click()

        expect(page).to_have_url(f"{site.url}/api/auth/signin?callbackUrl=%2Fprofile")
        page.get_by_role("button", name="Sign in with Local OIDC", exact=True).click()

        log_in_and_consent(page)

        expect(page).to_have_url(f"{site.url}/profile")
        expect(page.get_by_role("heading", name="Welcome, Alice Liddell!")).to_be_visible()
        expect(page.get_by_text("Your email is alice@example.com")).to_be_visible()
        stem = "next-auth" if format == "v4" else "authjs"
        names = {cookie["name"] for cookie in context.cookies(site.url)}
        assert f"{stem}.session-token" in names
        assert not names & {f"{stem}.state", f"{stem}.pkce.code_verifier", f"{stem}.nonce"}

        screenshot = tmp_path / "profile.png"
        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.is_file()
        assert screenshot.stat().st_size > 0
    finally:
        context.close()


def test_cancelling_at_the_provider_comes_back_to_the_sign_in_page(
    chromium: Any, site: LiveServer, format: Format
) -> None:
    from playwright.sync_api import expect

    context = loopback_context(chromium)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/api/auth/signin?callbackUrl=%2Fprofile")
        page.get_by_role("button", name="Sign in with Local OIDC", exact=True).click()
        page.get_by_role("link", name="[ Cancel ]").click()

        code = "Callback" if format == "v4" else "OAuthCallbackError"
        expect(page).to_have_url(f"{site.url}/api/auth/signin?error={code}")
        expect(page.get_by_text("Try signing in with a different account.")).to_be_visible()
        page.goto(f"{site.url}/profile")
        expect(page.get_by_text(MUST_LOG_IN)).to_be_visible()
    finally:
        context.close()
