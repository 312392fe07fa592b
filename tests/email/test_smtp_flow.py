"""Email sign-in end to end with a real SMTP peer: a FastAPI app with ``AuthSession`` and the
default sender posts the link to an ``aiosmtpd`` server on 127.0.0.1; the test reads the
message it received, follows the link with the test client and lands on a signed-in page."""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from authsession import AuthOptions, get_server_session
from authsession.adapters.memory import MemoryAdapter
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Email
from helpers import SECRET, requires
from smtp_sink import SMTPPeer, free_port, smtp_sink

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SITE = "http://testserver"
AUTH = f"{SITE}/api/auth"
GRACE = "grace@example.com"
LINK = re.compile(re.escape(AUTH) + r"/callback/email\?\S+")


@pytest.fixture
def smtp() -> Iterator[SMTPPeer]:
    with smtp_sink() as peer:
        yield peer


def sqlite_adapter(path: Path) -> Any:
    available = all(importlib.util.find_spec(name) is not None for name in ("sqlalchemy", "aiosqlite"))
    requires(available, "SQLAlchemy and aiosqlite are not installed")
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    return SQLAlchemyAdapter(f"sqlite+aiosqlite:///{path}")


@pytest.fixture(params=["memory", "sqlite"])
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryAdapter()
    return sqlite_adapter(tmp_path / "auth.sqlite3")


def profile_page(user: dict[str, Any] | None) -> str:
    """The seed app's /profile; a user who signed in by email may have no name yet."""
    if user is None:
        return "<h1>Profile</h1><p>You must be logged in to view this page.</p>"
    name = user.get("name") or user.get("email") or ""
    return f"<h1>Welcome, {escape(name)}!</h1><p>Your email is {escape(user.get('email') or '')}</p>"


def create_app(options: AuthOptions) -> FastAPI:
    adapter = options.adapter

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # SQL tables are made on the loop that serves the requests (the test client's).
        if hasattr(adapter, "create_schema"):
            await adapter.create_schema()
        yield
        if hasattr(adapter, "close"):
            await adapter.close()

    app = FastAPI(lifespan=lifespan)
    AuthSession(app, options)

    @app.get("/profile", response_class=HTMLResponse)
    async def profile(request: Request, response: Response) -> str:
        session = await get_server_session(request, response, options)
        return profile_page(dict(session["user"]) if session else None)

    return app


def make_options(format: str, adapter: Any, port: int, **overrides: Any) -> AuthOptions:
    params: dict[str, Any] = {
        "secret": SECRET,
        "url": SITE,
        "format": format,
        "adapter": adapter,
        "providers": [Email(server=f"smtp://127.0.0.1:{port}", from_address="Example <auth@example.com>")],
    }
    params.update(overrides)
    return AuthOptions(**params)


def request_link(client: TestClient, address: str, callback_url: str = "/profile") -> Any:
    csrf = client.get("/api/auth/csrf").json()["csrfToken"]
    return client.post(
        "/api/auth/signin/email",
        data={"csrfToken": csrf, "email": address, "callbackUrl": callback_url},
        follow_redirects=False,
    )


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
def test_magic_link_over_smtp_signs_in(format: str, adapter: Any, smtp: SMTPPeer) -> None:
    app = create_app(make_options(format, adapter, smtp.port))
    with TestClient(app, base_url=SITE) as client:
        assert "You must be logged in" in client.get("/profile").text

        response = request_link(client, "Grace@Example.com")
        assert response.status_code == 302
        assert response.headers["location"] == f"{AUTH}/verify-request?provider=email&type=email"
        page = client.get(response.headers["location"])
        assert page.status_code == 200
        assert "Check your email" in page.text

        (mail,) = smtp.mailbox.received
        assert mail.recipients == [GRACE]
        assert mail.sender == "auth@example.com"
        message = mail.message
        assert message["To"] == GRACE
        assert message["From"] == "Example <auth@example.com>"
        assert message["Subject"] == "Sign in to testserver"
        assert message["Message-ID"]
        assert message.get_content_type() == "multipart/alternative"
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        assert text_part is not None
        assert html_part is not None
        text, html = text_part.get_content(), html_part.get_content()
        links = LINK.findall(text)
        assert len(links) == 1
        link = links[0]
        assert "callbackUrl=http%3A%2F%2Ftestserver%2Fprofile&token=" in link
        assert link.endswith("&email=grace%40example.com")
        assert f'href="{escape(link, quote=True)}"' in html

        client.cookies.clear()  # the link is often opened in another browser
        response = client.get(link, follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"] == f"{SITE}/profile"
        page = client.get("/profile")
        assert page.status_code == 200
        assert f"Welcome, {GRACE}!" in page.text
        assert f"Your email is {GRACE}" in page.text

        # The link was used up.
        client.cookies.clear()
        again = client.get(link, follow_redirects=False)
        assert again.headers["location"] == f"{AUTH}/error?error=Verification"
        assert "You must be logged in" in client.get("/profile").text


def test_a_named_user_is_welcomed_by_name(smtp: SMTPPeer) -> None:
    adapter = MemoryAdapter()
    adapter.users["u-1"] = {"id": "u-1", "name": "Grace Hopper", "email": GRACE, "emailVerified": None}
    app = create_app(make_options("v5", adapter, smtp.port))
    with TestClient(app, base_url=SITE) as client:
        request_link(client, GRACE)
        body = smtp.mailbox.received[0].message.get_body(preferencelist=("plain",))
        assert body is not None
        (link,) = LINK.findall(body.get_content())
        client.get(link)
        page = client.get("/profile")
        assert "Welcome, Grace Hopper!" in page.text
        assert adapter.users["u-1"]["emailVerified"] is not None


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
def test_smtp_server_down(format: str, caplog: pytest.LogCaptureFixture) -> None:
    adapter = MemoryAdapter()
    app = create_app(make_options(format, adapter, free_port()))  # nobody listens there
    with TestClient(app, base_url=SITE) as client, caplog.at_level(logging.ERROR, logger="authsession"):
        response = request_link(client, GRACE)
        assert response.status_code == 302
        if format == "v4":
            assert response.headers["location"] == f"{AUTH}/error?error=EmailSignin"
            bounce = client.get(response.headers["location"], follow_redirects=False)
            assert bounce.headers["location"] == f"{AUTH}/signin?error=EmailSignin"
            assert "The e-mail could not be sent." in client.get(bounce.headers["location"]).text
        else:
            assert response.headers["location"] == f"{AUTH}/signin?error=Configuration"
        assert "You must be logged in" in client.get("/profile").text
    failures = [r for r in caplog.records if "sending the sign-in email failed" in r.getMessage()]
    assert failures
    assert failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], OSError)
    assert adapter.tokens == {}  # the token nobody received was dropped
    assert adapter.sessions == {}


# --- recipient injection (issue 9 item 4) -----------------------------------------------------------------

#: Identifiers NextAuth accepts whose To: header names other recipients: smtplib used to deliver
#: ``alice:evil@attacker.com;`` to evil@attacker.com, and each ``xN:`` variant to the victim again.
INJECTED = [
    "alice:evil@attacker.com;",
    "alice,evil@attacker.com",
    *(f"x{n}:victim@example.com;" for n in range(6)),
]


@pytest.mark.parametrize("format", ["v4", "v5"], indirect=True)
def test_an_address_list_in_the_identifier_is_refused_and_mails_nobody(format: str, smtp: SMTPPeer) -> None:
    adapter = MemoryAdapter()
    app = create_app(make_options(format, adapter, smtp.port))
    with TestClient(app, base_url=SITE) as client:
        for address in INJECTED:
            response = request_link(client, address)
            assert response.status_code == 302
            expected = f"{AUTH}/error?error=EmailSignin" if format == "v4" else f"{AUTH}/signin?error=Configuration"
            assert response.headers["location"] == expected
    assert smtp.mailbox.received == []
    assert adapter.tokens == {}


def test_the_default_sender_delivers_only_to_one_named_mailbox(smtp: SMTPPeer) -> None:
    # A custom normaliser that lets the raw value through must still not reach a second inbox.
    adapter = MemoryAdapter()
    provider = Email(server=f"smtp://127.0.0.1:{smtp.port}", normalize_identifier=lambda raw: raw.strip())
    app = create_app(make_options("v5", adapter, smtp.port, providers=[provider]))
    with TestClient(app, base_url=SITE) as client:
        refused = request_link(client, "alice:evil@attacker.com;")
        assert refused.headers["location"] == f"{AUTH}/signin?error=Configuration"
        assert smtp.mailbox.received == []
        request_link(client, GRACE)
    (mail,) = smtp.mailbox.received
    assert mail.recipients == [GRACE]
    assert mail.message["To"] == GRACE


def test_one_mailbox_gets_one_link_per_rate_limit_window_whatever_the_spelling(smtp: SMTPPeer) -> None:
    adapter = MemoryAdapter()
    app = create_app(make_options("v5", adapter, smtp.port))
    spellings = [GRACE, "Grace@Example.com", f"  {GRACE.upper()} ", "grace@example.com,attacker.com"]
    with TestClient(app, base_url=SITE) as client:
        for address in spellings:
            assert request_link(client, address).status_code == 302
    assert [mail.recipients for mail in smtp.mailbox.received] == [[GRACE]]
