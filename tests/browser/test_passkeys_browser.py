"""Passkeys in Chromium with a virtual authenticator (Chrome DevTools Protocol ``WebAuthn``
domain): the built-in sign-in page, and next-auth 5's own ``signIn("passkey")`` from
``next-auth/webauthn``, against a Python server."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from authsession import AuthOptions
from authsession.adapters import MemoryAdapter
from authsession.integrations.fastapi import AuthSession, get_server_session
from authsession.providers import Passkey
from browser.live_server import LiveServer
from helpers import NODE_DIR, add_virtual_authenticator, requires

pytestmark = pytest.mark.browser
CLIENT = NODE_DIR / "passkey"
SECRET = "passkey-browser-secret-0123456789abcdef"

# next-auth/webauthn's signIn, as a Next.js page would call it; the result lands in the page.
CLIENT_PAGE = """<!DOCTYPE html><html><head><script src="/webauthn.js"></script></head><body>
<input id="email" type="email"><button id="register" onclick="go({action: 'register'})">Register</button>
<button id="authenticate" onclick="go({action: 'authenticate'})">Sign in</button>
<script>
function go(options) {
  const email = document.getElementById("email").value;
  NextAuthWebAuthn.signIn("passkey", {...options, ...(email ? {email} : {}), callbackUrl: "/profile"});
}
</script></body></html>"""


def make_app(adapter: MemoryAdapter) -> FastAPI:
    options = AuthOptions(secret=SECRET, providers=[Passkey()], adapter=adapter)
    app = FastAPI()
    AuthSession(app, options)

    @app.get("/profile", response_model=None)
    async def profile(request: Request, response: Response) -> Response:
        session = await get_server_session(request, response, options)
        if session is None:
            return RedirectResponse("/api/auth/signin?callbackUrl=/profile", status_code=307)
        return HTMLResponse(f"<h1>Welcome, {session['user'].get('email')}!</h1>")

    @app.get("/client")
    async def client() -> HTMLResponse:
        return HTMLResponse(CLIENT_PAGE)

    @app.get("/webauthn.js")
    async def bundle() -> FileResponse:
        return FileResponse(CLIENT / "dist" / "webauthn.js", media_type="text/javascript")

    return app


@pytest.fixture(scope="module")
def next_auth_webauthn_bundle() -> None:
    """next-auth 5's browser client, bundled once with the pinned esbuild."""
    requires(
        (CLIENT / "node_modules" / "next-auth").is_dir(), "npm packages missing: run `npm ci` in tests/node/passkey"
    )
    subprocess.run(["npm", "run", "--silent", "build"], cwd=CLIENT, check=True, timeout=120, capture_output=True)


@pytest.fixture
def site() -> Iterator[tuple[LiveServer, MemoryAdapter]]:
    adapter = MemoryAdapter()
    server = LiveServer(make_app(adapter))
    server.start()
    # WebAuthn wants a domain for the RP ID, not an IP address: visit it as localhost.
    server.url = f"http://localhost:{server.port}"
    try:
        yield server, adapter
    finally:
        server.stop()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[tuple[Any, Any, str]]:
    """A page with a virtual platform authenticator: resident keys, user verification, a touch
    answered at once. Yields the page, the CDP session and the authenticator's id."""
    context = chromium.new_context()
    page = context.new_page()
    cdp, authenticator_id = add_virtual_authenticator(context, page)
    try:
        yield page, cdp, authenticator_id
    finally:
        context.close()


def sign_out(page: Any, url: str) -> None:
    page.goto(f"{url}/api/auth/signout")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{url}/profile")
    page.wait_for_url("**/api/auth/signin?**")


def stored_counter(adapter: MemoryAdapter) -> int:
    (authenticator,) = adapter.authenticators.values()
    return authenticator["counter"]


def test_built_in_page_register_sign_out_sign_in(
    browser_page: tuple[Any, Any, str], site: tuple[LiveServer, MemoryAdapter]
) -> None:
    page, cdp, authenticator_id = browser_page
    server, adapter = site
    page.goto(f"{server.url}/profile")
    page.wait_for_url("**/api/auth/signin?**")
    page.get_by_label("Email (for a new account)").fill("grace@example.com")
    page.get_by_role("button", name="Sign in with Passkey").click()
    page.wait_for_url(f"{server.url}/profile")
    assert "Welcome, grace@example.com!" in page.content()
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert credential["isResidentCredential"] is True
    (stored,) = adapter.authenticators.values()
    assert stored["credentialID"] == credential["credentialId"]  # both standard base64

    sign_out(page, server.url)
    # Discoverable: no email typed, the authenticator offers the passkey it holds.
    page.get_by_role("button", name="Sign in with Passkey").click()
    page.wait_for_url(f"{server.url}/profile")
    assert "Welcome, grace@example.com!" in page.content()
    assert stored_counter(adapter) >= 1


def test_next_auth_webauthn_client_against_python(
    next_auth_webauthn_bundle: None, browser_page: tuple[Any, Any, str], site: tuple[LiveServer, MemoryAdapter]
) -> None:
    page, _, _ = browser_page
    server, adapter = site
    page.goto(f"{server.url}/client")
    page.fill("#email", "ada@example.com")
    page.click("#register")
    page.wait_for_url(f"{server.url}/profile")
    assert "Welcome, ada@example.com!" in page.content()
    sign_out(page, server.url)
    page.goto(f"{server.url}/client")
    page.click("#authenticate")
    page.wait_for_url(f"{server.url}/profile")
    assert "Welcome, ada@example.com!" in page.content()
    assert stored_counter(adapter) >= 1


def test_a_cloned_authenticator_signs_nobody_in(
    browser_page: tuple[Any, Any, str], site: tuple[LiveServer, MemoryAdapter]
) -> None:
    page, _, _ = browser_page
    server, adapter = site
    page.goto(f"{server.url}/api/auth/signin")
    page.get_by_label("Email (for a new account)").fill("clone@example.com")
    page.get_by_role("button", name="Sign in with Passkey").click()
    page.wait_for_url(f"{server.url}/")
    sign_out(page, server.url)
    # The server has seen a higher counter than the authenticator will send: a copy of the key.
    (authenticator,) = adapter.authenticators.values()
    authenticator["counter"] = 1000
    page.goto(f"{server.url}/api/auth/signin")
    page.get_by_role("button", name="Sign in with Passkey").click()
    page.wait_for_url("**/api/auth/error?error=WebAuthnVerificationError")
    page.goto(f"{server.url}/profile")
    page.wait_for_url("**/api/auth/signin?**")
