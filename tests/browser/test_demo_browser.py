"""The newcomer's paths through the demo, in Chromium: sign up, sign in, see "Welcome, NAME!";
or ask for an email link, open it from the server console, and see "Welcome, EMAIL!"."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.demo.app import create_app

from browser.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(tmp_path / "demo.sqlite3", secret="browser-test-secret-0123456789abcdef")
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        # The server runs without a lifespan, so close the database connections here, in a
        # thread of its own: Playwright keeps an event loop running in this one.
        closing = threading.Thread(target=asyncio.run, args=(app.state.adapter.close(),))
        closing.start()
        closing.join(timeout=10)


def test_sign_up_sign_in_and_welcome(
    chromium: Any, demo: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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
        capsys.readouterr()
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url("**/check-email?signup=1")
        # The password works once the address is confirmed by the link (printed: no SMTP).
        out = capsys.readouterr().out
        link = re.search(rf"^    ({re.escape(demo.url)}/signup/confirm\?\S+)$", out, re.MULTILINE)
        assert link is not None, out
        page.goto(link.group(1))
        page.wait_for_url("**/login?registered=1")

        # exact: /login also has the "Email address" field of "Email me a sign-in link".
        page.get_by_label("Email", exact=True).fill("grace@example.com")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/login?*error=CredentialsSignin*")

        page.get_by_label("Email", exact=True).fill("grace@example.com")
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


def test_email_link_from_the_console(chromium: Any, demo: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(f"{demo.url}/login?callbackUrl=%2Fprofile")
        capsys.readouterr()
        page.get_by_label("Email address").fill("ada@example.com")
        page.get_by_role("button", name="Email me a sign-in link").click()
        page.wait_for_url("**/check-email?*")
        assert "the link was printed in the server console" in page.inner_text("body")

        # No SMTP server: the demo printed the link where its operator can see it.
        out = capsys.readouterr().out
        link = re.search(rf"^    ({re.escape(demo.url)}/api/auth/callback/email\?\S+)$", out, re.MULTILINE)
        assert link is not None, out
        page.goto(link.group(1))
        page.wait_for_url(f"{demo.url}/profile")
        text = page.inner_text("body")
        assert "Welcome, ada@example.com!" in text
        assert "Your email is ada@example.com" in text
    finally:
        context.close()
