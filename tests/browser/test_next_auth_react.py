"""``next-auth/react`` in Chromium against the Python demo, with no Next.js server.

``tests/node/react`` bundles a page with esbuild from next-auth 5's ``next-auth/react``
(``SessionProvider``, ``useSession``, ``signIn("password", ...)`` with the demo's ``Password``
provider, ``update()``,
``signOut()``); the demo app serves it on its own origin, so the client talks to authsession's
``/api/auth`` exactly as it would to a Next.js app's.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.demo.app import DEMO_ACCOUNT, create_app
from starlette.staticfiles import StaticFiles

from browser.live_server import LiveServer
from helpers import NODE_DIR, requires

pytestmark = [pytest.mark.browser, pytest.mark.node]

REACT_DIR = NODE_DIR / "react"


@pytest.fixture(scope="session")
def react_page(node_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled page (index.html + page.js), built once per test session (about a second)."""
    requires((REACT_DIR / "node_modules").is_dir(), "npm packages missing: run `npm ci` in tests/node/react")
    out = tmp_path_factory.mktemp("next-auth-react")
    subprocess.run([node_binary, "build.mjs", str(out)], cwd=REACT_DIR, check=True, timeout=120)
    return out


@pytest.fixture
def demo(tmp_path: Path, react_page: Path) -> Iterator[tuple[LiveServer, Path]]:
    database = tmp_path / "demo.sqlite3"
    app = create_app(database, secret="react-test-secret-0123456789abcdef0123")
    app.mount("/react", StaticFiles(directory=react_page, html=True))
    server = LiveServer(app)
    server.start()
    try:
        yield server, database
    finally:
        server.stop()
        # Playwright keeps an event loop running in this thread: close the database in another.
        closing = threading.Thread(target=asyncio.run, args=(app.state.adapter.close(),))
        closing.start()
        closing.join(timeout=10)


def session_rows(database: Path) -> int:
    with sqlite3.connect(database) as db:
        count: int = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
        return count


def test_sign_in_see_update_and_sign_out(chromium: Any, demo: tuple[LiveServer, Path]) -> None:
    from playwright.sync_api import expect

    server, database = demo
    context = chromium.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{server.url}/react/")
        expect(page.locator("#status")).to_have_text("unauthenticated")

        # A wrong password: signIn answers CredentialsSignin and nobody is signed in.
        page.get_by_label("Email").fill(DEMO_ACCOUNT.email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#result")).to_contain_text('"error":"CredentialsSignin"')
        expect(page.locator("#status")).to_have_text("unauthenticated")

        page.get_by_label("Password").fill(DEMO_ACCOUNT.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#status")).to_have_text("authenticated")
        expect(page.locator("#email")).to_have_text(DEMO_ACCOUNT.email)
        expect(page.locator("#name")).to_have_text(DEMO_ACCOUNT.name)
        assert session_rows(database) == 1
        # The same session opens the demo's server-rendered page.
        profile = context.request.get(f"{server.url}/profile").text()
        assert f"Welcome, {DEMO_ACCOUNT.name}!" in profile

        # update(data) POSTs /session with the CSRF token and shows what the server answers.
        with sqlite3.connect(database) as db:
            db.execute("UPDATE users SET name = ? WHERE email = ?", ("Ada Lovelace", DEMO_ACCOUNT.email))
        with page.expect_request(lambda r: r.url.endswith("/api/auth/session") and r.method == "POST") as posted:
            page.get_by_role("button", name="Update").click()
        body = json.loads(posted.value.post_data or "{}")
        assert body["data"] == {"reason": "profile-edited"}
        assert body["csrfToken"]
        expect(page.locator("#name")).to_have_text("Ada Lovelace")
        expect(page.locator("#result")).to_have_text('{"updated":"Ada Lovelace"}')

        page.get_by_role("button", name="Sign out").click()
        expect(page.locator("#status")).to_have_text("unauthenticated")
        expect(page.locator("#email")).to_have_text("")
        assert session_rows(database) == 0
        assert context.request.get(f"{server.url}/api/auth/session").json() is None
        assert not [c for c in context.cookies() if c["name"].startswith("authjs.session-token")]
        assert errors == []
    finally:
        context.close()
