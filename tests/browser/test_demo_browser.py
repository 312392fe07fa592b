"""The newcomer's paths through the demo, in Chromium: sign up, confirm the address with the link
from the server console, sign in, see "Welcome, NAME!", and end another browser's session on
"Your sessions"; or ask for an email link, open it from the console, and see "Welcome, EMAIL!"."""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.demo.app import create_app

from browser.live_server import LiveServer
from helpers import add_virtual_authenticator

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


def email_link_sign_in(
    page: Any, demo: LiveServer, capsys: pytest.CaptureFixture[str], email: str, callback: str
) -> None:
    """Ask /login for a link, read it from the console (no SMTP: the demo prints it) and open it."""
    page.goto(f"{demo.url}/login?callbackUrl={callback}")
    capsys.readouterr()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url("**/check-email?*")
    assert "the link was printed in the server console" in page.inner_text("body")
    page.goto(console_link(capsys, demo, "/api/auth/callback/email"))


def console_link(capsys: pytest.CaptureFixture[str], demo: LiveServer, path: str) -> str:
    """The link the demo printed (it has no SMTP server) to ``path``, from its console output."""
    out = capsys.readouterr().out
    link = re.search(rf"^    ({re.escape(demo.url)}{re.escape(path)}\?\S+)$", out, re.MULTILINE)
    assert link is not None, out
    return link.group(1)


def password_sign_in(page: Any, demo: LiveServer, email: str, password: str) -> None:
    page.goto(f"{demo.url}/login")
    # exact: /login also has the "Email address" field of "Email me a sign-in link".
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def test_sign_up_verify_sign_in_then_end_a_session_from_your_sessions(
    chromium: Any, demo: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The newcomer's path (issue 14 item 6): sign up on authsession's page, confirm with the link
    from the console, sign in; a second browser signs in as the same user; the first ends that
    session on "Your sessions", and the second is anonymous at its next page load."""
    context = chromium.new_context()
    laptop = context.new_page()
    other_context = chromium.new_context()
    phone = other_context.new_page()
    try:
        laptop.goto(f"{demo.url}/profile")
        assert "You must be logged in to view this page." in laptop.content()
        laptop.goto(f"{demo.url}/dashboard")
        assert laptop.url.startswith(f"{demo.url}/login?callbackUrl=")

        laptop.get_by_role("link", name="Sign up").click()
        laptop.wait_for_url("**/api/auth/password/sign-up")
        laptop.get_by_label("Name").fill("Grace Hopper")
        laptop.get_by_label("Email").fill("grace@example.com")
        laptop.get_by_label("Password").fill("cobol-1959-compiler")
        capsys.readouterr()
        laptop.get_by_role("button", name="Sign up").click()
        laptop.wait_for_load_state()
        assert "Check your email" in laptop.inner_text("h1")
        # Not before the address is confirmed by the link (printed: no SMTP).
        link = console_link(capsys, demo, "/api/auth/password/verify")
        password_sign_in(laptop, demo, "grace@example.com", "cobol-1959-compiler")
        assert "error=CredentialsSignin" in laptop.url

        laptop.goto(link)
        assert "Your account is ready" in laptop.inner_text("h1")
        laptop.get_by_role("link", name="Sign in").click()
        laptop.wait_for_url(f"{demo.url}/login")
        password_sign_in(laptop, demo, "grace@example.com", "wrong password")
        assert "error=CredentialsSignin" in laptop.url
        password_sign_in(laptop, demo, "grace@example.com", "cobol-1959-compiler")
        laptop.goto(f"{demo.url}/profile")
        text = laptop.inner_text("body")
        assert "Welcome, Grace Hopper!" in text
        assert "Your email is grace@example.com" in text
        laptop.screenshot(path=tmp_path / "profile.png")
        if os.environ.get("AUTHSESSION_SCREENSHOTS"):
            laptop.screenshot(path=Path(os.environ["AUTHSESSION_SCREENSHOTS"]) / "demo-profile.png")
        assert (tmp_path / "profile.png").stat().st_size > 0
        session_cookie = {c["name"]: c for c in context.cookies()}["authjs.session-token"]
        assert session_cookie["httpOnly"] is True
        assert session_cookie["sameSite"] == "Lax"

        # A second browser signs in as Grace too.
        password_sign_in(phone, demo, "grace@example.com", "cobol-1959-compiler")
        phone.goto(f"{demo.url}/profile")
        assert "Welcome, Grace Hopper!" in phone.inner_text("body")

        # The first ends it from "Your sessions", reached from the demo's navigation.
        laptop.goto(f"{demo.url}/")
        laptop.get_by_role("navigation").get_by_role("link", name="Your sessions").click()
        laptop.wait_for_url(f"{demo.url}/api/auth/sessions")
        assert laptop.locator("li.session--current").count() == 1
        others = laptop.locator("li.session:not(.session--current)")
        assert others.count() == 1
        others.get_by_role("button", name="Sign out").click()
        laptop.wait_for_load_state()
        assert "That session is signed out." in laptop.inner_text("body")
        assert laptop.locator("li.session").count() == 1

        phone.reload()
        assert "You must be logged in to view this page." in phone.inner_text("body")
        phone.goto(f"{demo.url}/")
        assert "You are not signed in." in phone.inner_text("body")

        # The first browser is still signed in, and signs out as before.
        laptop.goto(f"{demo.url}/dashboard")
        assert laptop.url == f"{demo.url}/dashboard"
        laptop.goto(f"{demo.url}/")
        laptop.get_by_role("button", name="Sign out").click()
        laptop.wait_for_load_state()
        laptop.goto(f"{demo.url}/profile")
        assert "You must be logged in to view this page." in laptop.content()
    finally:
        other_context.close()
        context.close()


def test_email_link_from_the_console(chromium: Any, demo: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    context = chromium.new_context()
    page = context.new_page()
    try:
        email_link_sign_in(page, demo, capsys, "ada@example.com", "%2Fprofile")
        page.wait_for_url(f"{demo.url}/profile")
        text = page.inner_text("body")
        assert "Welcome, ada@example.com!" in text
        assert "Your email is ada@example.com" in text
    finally:
        context.close()


def test_two_factor_set_up_then_asked_at_sign_in(
    chromium: Any, demo: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dashboard → "Set up two-factor" → scan (here: read the key) → confirm → recovery codes;
    then a new sign-in stops at the code step until a code from the app is entered."""
    import pyotp

    context = chromium.new_context()
    page = context.new_page()
    try:
        email_link_sign_in(page, demo, capsys, "turing@example.com", "%2Fdashboard")
        page.wait_for_url(f"{demo.url}/dashboard")
        page.get_by_role("link", name="Set up two-factor").click()
        page.wait_for_url("**/api/auth/two-factor/setup*")
        assert page.locator("svg").count() == 1  # the QR code
        secret = page.locator("#two-factor-secret").get_attribute("data-secret")
        assert secret
        totp = pyotp.TOTP(secret)
        page.get_by_label("Code from the app").fill(totp.now())
        page.get_by_role("button", name="Turn on").click()
        page.wait_for_load_state()
        assert "Two-factor authentication is on" in page.inner_text("h1")
        assert page.locator("ul.recovery-codes li").count() == 10
        page.get_by_role("link", name="Continue").click()
        page.wait_for_url(f"{demo.url}/dashboard")

        page.goto(f"{demo.url}/")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()

        email_link_sign_in(page, demo, capsys, "turing@example.com", "%2Fprofile")
        page.wait_for_url("**/api/auth/two-factor")
        page.goto(f"{demo.url}/profile")
        assert "You must be logged in to view this page." in page.content()  # not before the code
        page.go_back()
        # The step used at enrolment is spent: the app's next code (inside the drift window) works.
        page.get_by_label("Code").fill(totp.at(time.time() + 30))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(f"{demo.url}/profile")
        assert "Welcome, turing@example.com!" in page.inner_text("body")
    finally:
        context.close()


def test_add_a_passkey_then_sign_in_with_it(chromium: Any, demo: LiveServer) -> None:
    """The tour's passkey steps: sign in with the seed account, "Add a passkey" on the home page,
    sign out, "Sign in with a passkey" on /login, and the profile page knows who it is."""
    site = f"http://localhost:{demo.port}"  # WebAuthn wants a domain for the RP ID, not an IP
    context = chromium.new_context()
    page = context.new_page()
    cdp, authenticator_id = add_virtual_authenticator(context, page)
    try:
        page.goto(f"{site}/login")
        page.get_by_label("Email", exact=True).fill("demo@example.com")
        page.get_by_label("Password", exact=True).fill("demo-password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{site}/")
        with page.expect_navigation():  # registered: the script goes where the server says
            page.get_by_role("button", name="Add a passkey").click()
        assert page.url == f"{site}/"
        assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()

        page.goto(f"{site}/login?callbackUrl=%2Fprofile")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(f"{site}/profile")
        assert "Welcome, Demo User!" in page.inner_text("body")
    finally:
        context.close()
