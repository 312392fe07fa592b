"""The newcomer's path through the demo, in Chromium: sign up, sign in, see "Welcome, NAME!"."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.demo.app import create_app

from browser.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(create_app(tmp_path / "demo.sqlite3", secret="browser-test-secret-0123456789abcdef"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_sign_up_sign_in_and_welcome(chromium: Any, demo: LiveServer, tmp_path: Path) -> None:
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(f"{demo.url}/profile")
        assert "You must be logged in to view this page." in page.content()

        page.goto(f"{demo.url}/dashboard")
        assert page.url.startswith(f"{demo.url}/login?callbackUrl=")

        page.goto(f"{demo.url}/signup")
        page.get_by_label("Name").fill("Grace Hopper")
        page.get_by_label("Email").fill("grace@example.com")
        page.locator("#password").fill("cobol-1959-compiler")
        page.get_by_label("Confirm password").fill("cobol-1959-compiler")
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url("**/login?registered=1")

        page.get_by_label("Email").fill("grace@example.com")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/login?*error=CredentialsSignin*")

        page.get_by_label("Email").fill("grace@example.com")
        page.get_by_label("Password").fill("cobol-1959-compiler")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()

        page.goto(f"{demo.url}/profile")
        text = page.inner_text("body")
        assert "Welcome, Grace Hopper!" in text
        assert "Your email is grace@example.com" in text
        page.screenshot(path=tmp_path / "profile.png")
        if os.environ.get("AUTHSESSION_SCREENSHOTS"):
            page.screenshot(path=Path(os.environ["AUTHSESSION_SCREENSHOTS"]) / "demo-profile.png")
        assert (tmp_path / "profile.png").stat().st_size > 0

        cookies = {c["name"]: c for c in context.cookies()}
        session_cookie = cookies["authjs.session-token"]
        assert session_cookie["httpOnly"] is True
        assert session_cookie["sameSite"] == "Lax"

        page.goto(f"{demo.url}/dashboard")
        assert page.url == f"{demo.url}/dashboard"

        page.goto(f"{demo.url}/")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
        page.goto(f"{demo.url}/profile")
        assert "You must be logged in to view this page." in page.content()
    finally:
        context.close()
