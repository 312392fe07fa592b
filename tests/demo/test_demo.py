"""The demo app end to end through Starlette's TestClient: pages, sign-up and the other password
pages (authsession's ``Password`` provider), sign-in, "Your sessions", sign-out, email sign-in,
and what each leaves in the tables of the demo's SQLite file."""

from __future__ import annotations

import importlib
import inspect
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from types import ModuleType
from typing import Any, Literal
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from argon2 import PasswordHasher
from httpx2 import Response
from starlette.testclient import TestClient

import authsession.providers
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.errors import ConfigurationError
from authsession.providers.passkey import PASSKEY_SCRIPT
from smtp_sink import smtp_sink

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://testserver"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOSTILE = '"><script>alert(1)</script>'
MUST_LOG_IN = "You must be logged in to view this page."
SESSION_COOKIE = "authjs.session-token"
PASSWORD_SIGN_IN = "/api/auth/callback/password"
_CSRF_INPUT = re.compile(r'name="csrfToken" value="([^"]*)"')
_CALLBACK_INPUT = re.compile(r'name="callbackUrl" value="([^"]*)"')
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]*)"')
_MAILED_LINK = re.compile(re.escape(SITE) + r"/api/auth/password/\S+")
_HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)"')


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # `examples` lives next to `src`, not inside the installed package.
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("examples.demo.app")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "users.sqlite3"


class Outbox:
    """A ``send_email`` for the demo that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(self, **message: Any) -> None:
        self.sent.append(message)

    def link(self) -> str:
        """The path and query of the last link, for the test client."""
        assert self.sent, "no email was sent"
        parts = urlsplit(self.sent[-1]["url"])
        assert f"{parts.scheme}://{parts.netloc}" == SITE
        return f"{parts.path}?{parts.query}"


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def client(demo: ModuleType, db_path: Path, outbox: Outbox) -> Iterator[TestClient]:
    app = demo.create_app(
        db_path, secret="a-test-secret-that-is-long-enough-1234", oauth_providers=[], url=SITE, send_email=outbox
    )
    with TestClient(app, follow_redirects=False) as test_client:
        test_client.outbox = outbox  # type: ignore[attr-defined]
        yield test_client


def csrf_token(html: str) -> str:
    found = _CSRF_INPUT.search(html)
    assert found, "no csrfToken field on the page"
    return unescape(found.group(1))


def callback_url_field(html: str) -> str:
    """The callbackUrl hidden field of a page's form, as written in the HTML (still escaped)."""
    found = _CALLBACK_INPUT.search(html)
    assert found, "no callbackUrl field on the page"
    return found.group(1)


def submit_form(client: TestClient, page: Response, **fields: str) -> Response:
    """What a browser does with a page's form: post its hidden fields (the CSRF token among
    them) and ``fields`` to its action."""
    assert page.status_code == 200, page.text
    action = _FORM_ACTION.findall(page.text)
    assert len(action) == 1, f"expected one form: {action}"
    hidden = {name: unescape(value) for name, value in _HIDDEN_INPUT.findall(page.text)}
    return client.post(unescape(action[0]).removeprefix(SITE), data={**hidden, **fields})


def password_form(client: TestClient, step: str, **fields: str) -> Response:
    """Load one of the ``Password`` provider's pages and submit its form."""
    return submit_form(client, client.get(f"/api/auth/password/{step}"), **fields)


def sign_up(
    client: TestClient,
    *,
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    password: str = "correct horse",
    confirm: bool = True,
) -> Response:
    """Submit the sign-up page; with ``confirm``, open the link it mailed, as the owner would."""
    outbox: Outbox = client.outbox  # type: ignore[attr-defined]
    mailed = len(outbox.sent)
    response = password_form(client, "sign-up", name=name, email=email, password=password)
    if confirm and response.status_code == 200 and outbox.sent[mailed:] and outbox.sent[-1].get("kind") == "sign-up":
        confirmed = client.get(outbox.link())
        assert "Your account is ready" in confirmed.text
    return response


def sign_in(client: TestClient, *, email: str, password: str, callback_url: str = "/dashboard") -> Response:
    """What a browser does: load /login, then submit its password form."""
    login = client.get("/login", params={"callbackUrl": callback_url})
    assert login.status_code == 200
    form = {
        "email": email,
        "password": password,
        "csrfToken": csrf_token(login.text),
        "callbackUrl": unescape(callback_url_field(login.text)),
    }
    assert f'action="{PASSWORD_SIGN_IN}"' in login.text
    return client.post(PASSWORD_SIGN_IN, data=form)


@contextmanager
def second_browser(client: TestClient) -> Iterator[TestClient]:
    """Another browser (its own cookies) on ``client``'s app, used while ``client`` is open:
    leaving it ends the app's lifespan, which closes the database."""
    with TestClient(client.app, follow_redirects=False) as other:
        other.outbox = client.outbox  # type: ignore[attr-defined]
        yield other


def request_link(client: TestClient, *, email: str, callback_url: str = "/profile") -> Response:
    """What a browser does: load /login, then submit its "Email me a sign-in link" form."""
    login = client.get("/login", params={"callbackUrl": callback_url})
    form = {"email": email, "csrfToken": csrf_token(login.text), "callbackUrl": callback_url}
    assert 'action="/api/auth/signin/email"' in login.text
    return client.post("/api/auth/signin/email", data=form)


def query(db_path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql, params).fetchall()


def stored_rows(db_path: Path) -> list[tuple[str | None, str, str | None]]:
    """(name, email, argon2 hash) of every user in the Auth.js ``users`` table, oldest first; the
    hash from authsession's ``passwords`` table."""
    return query(
        db_path,
        'SELECT u.name, u.email, p.hash FROM users u LEFT JOIN passwords p ON p."userId" = u.id ORDER BY u.id',
    )


def session_tokens(db_path: Path) -> list[str]:
    return [row[0] for row in query(db_path, 'SELECT "sessionToken" FROM sessions')]


# --- anonymous visitors -----------------------------------------------------------------------


def test_home_links_to_every_page_and_says_nobody_is_signed_in(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    for href in ("/profile", "/dashboard", "/api/me", "/login", "/api/auth/password/sign-up", "/api/auth/sessions"):
        assert f'href="{href}"' in response.text
    assert "You are not signed in." in response.text
    assert "/api/auth/signout" not in response.text


def test_anonymous_profile_asks_to_log_in(client: TestClient) -> None:
    response = client.get("/profile")
    assert response.status_code == 200
    assert MUST_LOG_IN in response.text
    assert 'href="/login' in response.text
    assert response.headers["cache-control"] == "private, no-store"


def test_anonymous_dashboard_redirects_to_login_temporarily(client: TestClient) -> None:
    response = client.get("/dashboard", headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["location"] == "/login?callbackUrl=%2Fdashboard"


def test_anonymous_dashboard_is_401_for_api_clients(client: TestClient) -> None:
    response = client.get("/dashboard", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_anonymous_api_me_is_null(client: TestClient) -> None:
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json() == {"userEmail": None}


# --- sign-up (authsession's Password provider) --------------------------------------------


def test_sign_up_mails_a_link_and_confirming_stores_an_argon2_hash(
    client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    response = sign_up(client, name="Ada Lovelace", email="Ada@Example.com", password="correct horse", confirm=False)
    assert response.status_code == 200
    assert "Check your email" in response.text
    # Nobody exists until the address is confirmed.
    assert query(db_path, "SELECT id FROM users WHERE email = ?", "ada@example.com") == []
    (mail,) = outbox.sent
    assert (mail["kind"], mail["identifier"]) == ("sign-up", "ada@example.com")

    confirmed = client.get(outbox.link())
    assert confirmed.status_code == 200
    assert "Your account is ready" in confirmed.text
    assert f'href="{SITE}/login"' in confirmed.text  # on to the demo's sign-in page
    again = client.get(outbox.link())  # once only
    assert again.status_code == 400
    assert "This link is invalid, used or expired." in again.text

    # The user is a row of the Auth.js schema, with an id the database gave it, verified...
    [(user_id, name, email_verified, image)] = query(
        db_path, 'SELECT id, name, "emailVerified", image FROM users WHERE email = ?', "ada@example.com"
    )
    assert isinstance(user_id, int)
    assert (name, image) == ("Ada Lovelace", None)
    assert email_verified is not None
    # ...and the argon2 hash sits in authsession's passwords table, under that id.
    [(password_hash,)] = query(db_path, 'SELECT hash FROM passwords WHERE "userId" = ?', user_id)
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
    assert PasswordHasher().verify(password_hash, "correct horse")
    assert query(db_path, "SELECT * FROM verification_token") == []  # the link's token is spent


def test_the_sign_up_page_links_back_to_the_demos_login(client: TestClient) -> None:
    page = client.get("/api/auth/password/sign-up").text
    assert f'href="{SITE}/login"' in page
    assert "--brand-color:#3b5bdb" in page  # themed in the demo's blue


def test_sign_up_does_not_tell_whether_an_address_is_registered(
    client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    sign_up(client, email="ada@example.com")
    taken = sign_up(client, name="Someone Else", email=" ADA@example.com ", password="another password", confirm=False)
    free = sign_up(client, name="Someone Else", email="bob@example.com", password="another password", confirm=False)
    assert taken.status_code == free.status_code == 200
    assert taken.text == free.text
    # Only the owner's inbox hears of it, with a way to a new password; the account is unchanged.
    assert [(m["kind"], m["identifier"]) for m in outbox.sent][-2:] == [
        ("account-exists", "ada@example.com"),
        ("sign-up", "bob@example.com"),
    ]
    assert outbox.sent[-2]["url"] == f"{SITE}/api/auth/password/forgot"
    assert [row[0] for row in stored_rows(db_path) if row[1] == "ada@example.com"] == ["Ada Lovelace"]
    refused = sign_in(client, email="ada@example.com", password="another password")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")


def test_a_bad_or_expired_confirmation_link_confirms_nothing(client: TestClient, db_path: Path, outbox: Outbox) -> None:
    sign_up(client, email="ada@example.com", confirm=False)
    params = dict(parse_qsl(urlsplit(outbox.link()).query))
    for bad in ({**params, "token": "forged"}, {**params, "data": "forged"}, {"email": "ada@example.com"}, {}):
        assert client.get("/api/auth/password/verify", params=bad).status_code == 400
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE verification_token SET expires = '2000-01-01 00:00:00.000000'")
    assert client.get(outbox.link()).status_code == 400
    assert query(db_path, "SELECT id FROM users WHERE email = ?", "ada@example.com") == []


def test_an_unconfirmed_sign_up_cannot_sign_in(client: TestClient, db_path: Path) -> None:
    sign_up(client, email="ada@example.com", password="correct horse", confirm=False)
    refused = sign_in(client, email="ada@example.com", password="correct horse")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    assert client.get("/api/me").json() == {"userEmail": None}
    assert session_tokens(db_path) == []


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_sign_up_without_the_csrf_token_is_refused(
    client: TestClient, db_path: Path, outbox: Outbox, token: str | None
) -> None:
    client.get("/api/auth/password/sign-up")  # the CSRF cookie is set; only the posted token is missing or wrong
    form = {"name": "Mallory", "email": "mallory@example.com", "password": "quiet-lantern-harbor-91"}
    if token is not None:
        form["csrfToken"] = token
    response = client.post("/api/auth/password/sign-up", data=form)
    assert response.status_code == 403
    assert "The form has expired" in response.text
    assert outbox.sent == []
    assert all(row[1] != "mallory@example.com" for row in stored_rows(db_path))


def test_sign_up_with_a_token_but_no_csrf_cookie_is_refused(client: TestClient, outbox: Outbox) -> None:
    token = csrf_token(client.get("/api/auth/password/sign-up").text)
    client.cookies.clear()  # a cross-site form post carries the token it saw, not the victim's cookie
    form = {"csrfToken": token, "name": "M", "email": "m@example.com", "password": "quiet-lantern-harbor-91"}
    assert client.post("/api/auth/password/sign-up", data=form).status_code == 403
    assert outbox.sent == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "a@b@c", "Enter a valid email address."),
        ("password", "short", "Choose a longer password."),
        ("password", "password123", "That password is too common."),
        ("password", "x" * 1025, "That password is too long."),
    ],
)
def test_sign_up_validates_the_form(
    client: TestClient, db_path: Path, outbox: Outbox, field: str, value: str, message: str
) -> None:
    form = {"name": "Ada", "email": "ada@example.com", "password": "quiet-lantern-harbor-91", field: value}
    response = password_form(client, "sign-up", **form)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="quiet-lantern-harbor-91"' not in response.text  # passwords are never sent back
    assert outbox.sent == []
    assert all(row[1] != "ada@example.com" for row in stored_rows(db_path))


# --- sign-in, the session pages, sign-out -----------------------------------------------------


def test_sign_in_lands_on_the_callback_url_and_every_page_sees_the_session(client: TestClient) -> None:
    sign_up(client, name="Ada Lovelace", email="ada@example.com", password="correct horse")
    response = sign_in(client, email="ADA@example.com", password="correct horse", callback_url="/dashboard")
    assert response.status_code == 302
    assert response.headers["location"] == f"{SITE}/dashboard"

    profile = client.get("/profile")
    assert "Welcome, Ada Lovelace!" in profile.text
    assert "Your email is ada@example.com" in profile.text
    assert MUST_LOG_IN not in profile.text
    assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}
    dashboard = client.get("/dashboard", headers=BROWSER)
    assert dashboard.status_code == 200
    assert "Only signed-in users get here, Ada Lovelace." in dashboard.text
    home = client.get("/")
    assert "Signed in as <strong>Ada Lovelace</strong>" in home.text
    assert 'action="/api/auth/signout"' in home.text


def test_the_seeded_demo_account_can_sign_in(demo: ModuleType, client: TestClient) -> None:
    account = demo.DEMO_ACCOUNT
    response = sign_in(client, email=account.email, password=account.password, callback_url="/profile")
    assert response.headers["location"] == f"{SITE}/profile"
    assert client.get("/api/me").json() == {"userEmail": account.email}


def test_the_seeded_demo_account_is_in_the_users_table(demo: ModuleType, client: TestClient, db_path: Path) -> None:
    [(name, email, password_hash)] = stored_rows(db_path)
    assert (name, email) == (demo.DEMO_ACCOUNT.name, demo.DEMO_ACCOUNT.email)
    assert password_hash is not None
    assert PasswordHasher().verify(password_hash, demo.DEMO_ACCOUNT.password)
    # A password account whose address counts as confirmed: the Password provider signs in no other.
    [(verified,)] = query(db_path, 'SELECT "emailVerified" FROM users')
    assert verified is not None


def test_seeding_keeps_a_password_the_user_changed(demo: ModuleType, db_path: Path) -> None:
    account = demo.DEMO_ACCOUNT
    with TestClient(
        demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE), follow_redirects=False
    ) as client:
        assert sign_in(client, email=account.email, password=account.password).status_code == 302
        changed = password_form(client, "change", currentPassword=account.password, password="quiet-lantern-harbor-91")
        assert changed.status_code == 200, changed.text
    with TestClient(
        demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE), follow_redirects=False
    ) as client:
        assert sign_in(client, email=account.email, password="quiet-lantern-harbor-91").status_code == 302
        assert client.get("/api/me").json() == {"userEmail": account.email}


def test_seeding_gives_a_password_to_an_account_from_an_older_demo(demo: ModuleType, db_path: Path) -> None:
    """A demo.sqlite3 from before the Password provider has the seed user but no hash in
    authsession's passwords table (and an unconfirmed address): start-up gives it both."""
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE, "
            '"emailVerified" TIMESTAMP, image TEXT)'
        )
        db.execute("INSERT INTO users (name, email) VALUES (?, ?)", (demo.DEMO_ACCOUNT.name, demo.DEMO_ACCOUNT.email))
    account = demo.DEMO_ACCOUNT
    with TestClient(
        demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE), follow_redirects=False
    ) as client:
        assert sign_in(client, email=account.email, password=account.password).status_code == 302
        assert client.get("/api/me").json() == {"userEmail": account.email}
    assert [row[:2] for row in stored_rows(db_path)] == [(account.name, account.email)]


def test_seeding_is_skipped_when_the_account_exists(demo: ModuleType, db_path: Path) -> None:
    for _ in range(2):
        with TestClient(
            demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE), follow_redirects=False
        ) as client:
            assert client.get("/").status_code == 200
    assert [row[1] for row in stored_rows(db_path)] == [demo.DEMO_ACCOUNT.email]


def test_a_server_without_lifespan_sets_up_on_the_first_request(demo: ModuleType, db_path: Path) -> None:
    app = demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE)
    assert not db_path.exists()  # nothing touches the database before the app serves
    client = TestClient(app)  # no `with`: no lifespan, as the test suites' uvicorn threads run it
    try:
        assert client.get("/api/auth/session").json() is None
        assert [row[1] for row in stored_rows(db_path)] == [demo.DEMO_ACCOUNT.email]
    finally:
        with client:  # the lifespan's shutdown closes the adapter's connections
            pass


@pytest.mark.parametrize(
    ("email", "password"), [("ada@example.com", "wrong password"), ("nobody@example.com", "x" * 9)]
)
def test_a_wrong_password_goes_back_to_login_with_a_friendly_message(
    client: TestClient, email: str, password: str
) -> None:
    sign_up(client, email="ada@example.com", password="correct horse")
    response = sign_in(client, email=email, password=password)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{SITE}/login?error=CredentialsSignin")

    page = client.get(location.removeprefix(SITE))
    assert "Sign-in failed. Check your email and password and try again." in page.text
    assert "CredentialsSignin" not in page.text
    assert client.get("/api/me").json() == {"userEmail": None}


def test_sign_in_without_the_csrf_token_does_not_sign_in(client: TestClient) -> None:
    client.get("/login")
    form = {"email": "demo@example.com", "password": "demo-password", "callbackUrl": "/profile"}
    response = client.post(PASSWORD_SIGN_IN, data=form)
    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{SITE}/login?error=")
    assert client.get("/api/me").json() == {"userEmail": None}


def injected(page: str) -> bool:
    """Whether ``page`` holds a script other than authsession's passkey script (the one allowed)."""
    return "<script>" in page.replace(f"<script>{PASSKEY_SCRIPT}</script>", "")


def test_login_shows_a_generic_message_for_other_errors_without_echoing_them(client: TestClient) -> None:
    page = client.get("/login", params={"error": f"Weird{HOSTILE}"}).text
    assert "Sign-in did not work. Please try again." in page
    assert "Weird" not in page
    assert not injected(page)


def test_sign_in_stores_a_database_session(client: TestClient, db_path: Path) -> None:
    sign_up(client, email="ada@example.com", password="correct horse")
    assert session_tokens(db_path) == []
    sign_in(client, email="ada@example.com", password="correct horse")

    token = client.cookies[SESSION_COOKIE]
    assert session_tokens(db_path) == [token]  # the cookie is the row's random token, nothing more
    [(user_email,)] = query(
        db_path, 'SELECT u.email FROM sessions s JOIN users u ON u.id = s."userId" WHERE s."sessionToken" = ?', token
    )
    assert user_email == "ada@example.com"


def test_deleting_the_session_row_signs_the_user_out(client: TestClient, db_path: Path) -> None:
    sign_up(client, email="ada@example.com", password="correct horse")
    sign_in(client, email="ada@example.com", password="correct horse")
    assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}

    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("DELETE FROM sessions")  # what an admin's "revoke" does
    assert client.get("/api/me").json() == {"userEmail": None}
    assert MUST_LOG_IN in client.get("/profile").text


def test_sign_out_clears_the_session(client: TestClient, db_path: Path) -> None:
    sign_up(client, email="ada@example.com", password="correct horse")
    sign_in(client, email="ada@example.com", password="correct horse")
    assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}
    token = client.cookies[SESSION_COOKIE]

    home = client.get("/").text
    response = client.post("/api/auth/signout", data={"csrfToken": csrf_token(home), "callbackUrl": "/"})
    assert response.status_code == 302
    assert response.headers["location"] == f"{SITE}/"
    assert token not in session_tokens(db_path)
    assert session_tokens(db_path) == []
    assert client.get("/api/me").json() == {"userEmail": None}
    assert MUST_LOG_IN in client.get("/profile").text
    assert client.get("/dashboard", headers=BROWSER).status_code == 307


# --- forgot, reset and change password; "Your sessions" ---------------------------------------


def test_the_login_page_links_to_sign_up_and_forgot_password(client: TestClient) -> None:
    page = client.get("/login").text
    assert 'href="/api/auth/password/sign-up"' in page
    assert 'href="/api/auth/password/forgot"' in page
    assert "printed in the server console" not in page  # this app was given a sender


def test_forgot_password_resets_it_and_ends_every_session(
    demo: ModuleType, db_path: Path, outbox: Outbox, client: TestClient
) -> None:
    account = demo.DEMO_ACCOUNT
    sign_in(client, email=account.email, password=account.password)
    assert len(session_tokens(db_path)) == 1
    with second_browser(client) as other:
        unknown = password_form(other, "forgot", email="nobody@example.com")
        known = password_form(other, "forgot", email=account.email)
        assert unknown.text == known.text  # no hint of who has an account
        assert [(m["kind"], m["identifier"]) for m in outbox.sent] == [("reset", account.email)]
        reset_page = other.get(outbox.link())
        assert "Choose a new password" in reset_page.text
        done = submit_form(other, reset_page, password="quiet-lantern-harbor-91")
        assert "Your password is changed" in done.text
        assert submit_form(other, reset_page, password="another-lantern-harbor-92").status_code == 400  # once only

        assert session_tokens(db_path) == []
        assert client.get("/api/me").json() == {"userEmail": None}  # signed out everywhere
        refused = sign_in(client, email=account.email, password=account.password)
        assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
        assert sign_in(client, email=account.email, password="quiet-lantern-harbor-91").status_code == 302
        assert client.get("/api/me").json() == {"userEmail": account.email}


def test_changing_the_password_ends_the_other_sessions(demo: ModuleType, client: TestClient) -> None:
    account = demo.DEMO_ACCOUNT
    with second_browser(client) as phone:
        sign_in(phone, email=account.email, password=account.password)
        sign_in(client, email=account.email, password=account.password)
        assert 'href="/api/auth/password/change"' in client.get("/").text
        wrong = password_form(client, "change", currentPassword="not it", password="quiet-lantern-harbor-91")
        assert wrong.status_code == 400
        assert "Your current password is not right." in wrong.text
        changed = password_form(client, "change", currentPassword=account.password, password="quiet-lantern-harbor-91")
        assert "You are signed out everywhere else." in changed.text
        assert client.get("/api/me").json() == {"userEmail": account.email}
        assert phone.get("/api/me").json() == {"userEmail": None}


def test_your_sessions_lists_each_browser_and_signs_one_out(
    demo: ModuleType, client: TestClient, db_path: Path
) -> None:
    account = demo.DEMO_ACCOUNT
    with second_browser(client) as phone:
        phone.headers["User-Agent"] = "Firefox/131.0"
        sign_in(phone, email=account.email, password=account.password)
        sign_in(client, email=account.email, password=account.password)
        for page in ("/", "/profile", "/dashboard"):
            assert 'href="/api/auth/sessions"' in client.get(page, headers=BROWSER).text, page
        listed = client.get("/api/auth/sessions")
        assert "Your sessions" in listed.text
        assert "Firefox" in listed.text  # the other browser, recorded when it signed in
        assert "(this browser)" in listed.text
        assert "Sign out everywhere else" in listed.text
        assert "--brand-color:#3b5bdb" in listed.text
        # The one form per other session: its button ends that session only.
        [phone_id] = [
            s["id"]
            for s in client.get("/api/auth/sessions", headers={"Accept": "application/json"}).json()["sessions"]
            if not s["current"]
        ]
        token = csrf_token(listed.text)
        ended = client.post("/api/auth/sessions", data={"csrfToken": token, "revoke": phone_id})
        assert "That session is signed out." in ended.text
        assert phone.get("/api/me").json() == {"userEmail": None}
        assert MUST_LOG_IN in phone.get("/profile").text
        assert client.get("/api/me").json() == {"userEmail": account.email}
        assert session_tokens(db_path) == [client.cookies[SESSION_COOKIE]]


def test_your_sessions_needs_the_csrf_token_and_a_session(demo: ModuleType, client: TestClient) -> None:
    anonymous = client.get("/api/auth/sessions")
    assert anonymous.status_code == 302
    assert anonymous.headers["location"].startswith(f"{SITE}/login?callbackUrl=")
    account = demo.DEMO_ACCOUNT
    sign_in(client, email=account.email, password=account.password)
    refused = client.post("/api/auth/sessions", data={"csrfToken": "forged", "revoke": "all"})
    assert refused.status_code == 403
    assert client.get("/api/me").json() == {"userEmail": account.email}


# --- escaping ---------------------------------------------------------------------------------


def test_a_hostile_name_is_escaped_everywhere(client: TestClient) -> None:
    name = f"Eve{HOSTILE}"
    assert sign_up(client, name=name, email="eve@example.com", password="quiet-lantern-harbor-91").status_code == 200
    sign_in(client, email="eve@example.com", password="quiet-lantern-harbor-91")
    for path in ("/", "/profile", "/dashboard", "/api/auth/sessions", "/api/auth/password/change"):
        page = client.get(path, headers=BROWSER).text
        assert not injected(page), path
        if path.startswith("/api/"):
            continue  # authsession's pages do not show the name
        assert "Eve&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_a_hostile_sign_up_is_not_echoed_when_it_fails(client: TestClient) -> None:
    for form in (
        {"name": HOSTILE, "email": HOSTILE, "password": "x"},
        {"name": HOSTILE, "email": "a@b.c", "password": "x"},
    ):
        response = password_form(client, "sign-up", **form)
        assert response.status_code == 400
        assert "<script>" not in response.text
        assert "alert(1)" not in response.text


def test_a_hostile_callback_url_is_escaped_on_the_login_page(client: TestClient) -> None:
    callback = f"/profile?next={HOSTILE}"
    page = client.get("/login", params={"callbackUrl": callback}).text
    assert not injected(page)
    assert unescape(callback_url_field(page)) == callback


@pytest.mark.parametrize("callback", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"])
def test_the_login_page_drops_a_foreign_callback_url(client: TestClient, callback: str) -> None:
    page = client.get("/login", params={"callbackUrl": callback}).text
    assert callback_url_field(page) == ""


def test_the_login_page_keeps_a_same_origin_callback_url(client: TestClient) -> None:
    page = client.get("/login", params={"callbackUrl": f"{SITE}/dashboard"}).text
    assert callback_url_field(page) == f"{SITE}/dashboard"


# --- OAuth buttons ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeOAuthProvider:
    id: str
    name: str
    type: Literal["oauth"] = "oauth"


def test_the_login_page_offers_configured_oauth_providers(demo: ModuleType, db_path: Path) -> None:
    providers = [FakeOAuthProvider("github", "GitHub"), FakeOAuthProvider("google", "Google")]
    app = demo.create_app(db_path, secret="s" * 32, oauth_providers=providers, seed_account=None)
    with TestClient(app) as client:
        page = client.get("/login", params={"callbackUrl": "/profile"}).text
    for provider in providers:
        assert f'action="/api/auth/signin/{provider.id}"' in page
        assert f"Sign in with {provider.name}" in page


def test_the_login_page_has_no_oauth_buttons_by_default(client: TestClient) -> None:
    page = client.get("/login").text
    assert "Sign in with GitHub" not in page
    assert "Sign in with Local OIDC" not in page
    assert re.findall(r"Sign in with [^<]*", page) == ["Sign in with a passkey"]


def test_oauth_providers_from_env(demo: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    assert demo.oauth_providers_from_env({}) == []
    assert demo.oauth_providers_from_env({"GITHUB_ID": "id-only"}) == []
    env = {"GITHUB_ID": "gh-id", "GITHUB_SECRET": "gh-secret", "GOOGLE_ID": "g-id", "GOOGLE_SECRET": "g-secret"}
    with caplog.at_level(logging.WARNING, logger="examples.demo"):
        found = demo.oauth_providers_from_env(env)
    expected = [p for p in ("GitHub", "Google") if hasattr(authsession.providers, p)]
    assert [p.name for p in found] == expected
    for preset in {"GitHub", "Google"} - set(expected):
        assert f"no {preset} preset" in caplog.text


# --- email sign-in ---------------------------------------------------------------------------


def test_email_sign_in_from_the_login_page(client: TestClient, db_path: Path, outbox: Outbox) -> None:
    response = request_link(client, email="Newbie@Example.com", callback_url="/profile")
    assert response.status_code == 302
    # As in Auth.js: to the built-in verify-request action, which sends you to the demo's page.
    assert response.headers["location"] == f"{SITE}/api/auth/verify-request?provider=email&type=email"
    to_page = client.get(response.headers["location"].removeprefix(SITE))
    assert to_page.headers["location"] == f"{SITE}/check-email?provider=email&type=email"
    check = client.get("/check-email?provider=email&type=email")
    assert "Check your email" in check.text
    assert "printed in the server console" not in check.text  # this app was given a sender

    [message] = outbox.sent
    assert message["identifier"] == "newbie@example.com"
    assert parse_qs(urlsplit(message["url"]).query)["callbackUrl"] == [f"{SITE}/profile"]
    assert query(db_path, "SELECT identifier FROM verification_token") == [("newbie@example.com",)]
    assert client.get("/api/me").json() == {"userEmail": None}

    landed = client.get(outbox.link())
    assert landed.status_code == 302
    assert landed.headers["location"] == f"{SITE}/profile"
    profile = client.get("/profile").text
    assert "Welcome, newbie@example.com!" in profile  # no name: the email stands in, never "Welcome, !"
    assert "Your email is newbie@example.com" in profile
    assert "Signed in as <strong>newbie@example.com</strong>." in client.get("/").text
    assert "Only signed-in users get here, newbie@example.com." in client.get("/dashboard", headers=BROWSER).text

    # The user is in the Auth.js tables: no name, a verified email, an email account, a session.
    [(name, verified)] = query(db_path, 'SELECT name, "emailVerified" FROM users WHERE email = ?', "newbie@example.com")
    assert name is None
    assert verified is not None
    assert session_tokens(db_path) == [client.cookies[SESSION_COOKIE]]
    assert query(db_path, "SELECT * FROM verification_token") == []  # the link worked once


def test_an_email_link_works_once(client: TestClient, outbox: Outbox) -> None:
    request_link(client, email="newbie@example.com")
    link = outbox.link()
    assert client.get(link).status_code == 302
    client.cookies.clear()

    again = client.get(link)
    assert again.status_code == 302
    location = again.headers["location"]
    assert location.startswith(f"{SITE}/login?error=Verification")
    page = client.get(location.removeprefix(SITE)).text
    assert "That sign-in link has expired or was used already." in page
    assert client.get("/api/me").json() == {"userEmail": None}


def test_an_email_link_signs_in_the_account_that_has_the_address(
    demo: ModuleType, client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    request_link(client, email=demo.DEMO_ACCOUNT.email)
    client.get(outbox.link())
    assert f"Welcome, {demo.DEMO_ACCOUNT.name}!" in client.get("/profile").text
    assert [row[1] for row in stored_rows(db_path)] == [demo.DEMO_ACCOUNT.email]  # no second user


def test_an_email_only_user_has_no_password(client: TestClient, outbox: Outbox) -> None:
    request_link(client, email="newbie@example.com")
    client.get(outbox.link())
    client.cookies.clear()
    response = sign_in(client, email="newbie@example.com", password="any password at all")
    assert response.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    # Signing up with that address later sets no password: the owner is told to choose one...
    assert sign_up(client, name="Newbie", email="newbie@example.com", password="a new password").status_code == 200
    assert (outbox.sent[-1]["kind"], outbox.sent[-1]["url"]) == ("account-exists", f"{SITE}/api/auth/password/forgot")
    refused = sign_in(client, email="newbie@example.com", password="a new password")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    # ...with "Forgot your password?", whose link proves the mailbox as the sign-up link would.
    assert password_form(client, "forgot", email="newbie@example.com").status_code == 200
    reset_page = client.get(outbox.link())
    assert submit_form(client, reset_page, password="a new password").status_code == 200
    response = sign_in(client, email="newbie@example.com", password="a new password", callback_url="/profile")
    assert response.headers["location"] == f"{SITE}/profile"


@pytest.fixture
def console_client(demo: ModuleType, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The demo as ``make demo`` mails: no SMTP server, so every link is printed to stdout."""
    for name in ("SMTP_URL", "EMAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    app = demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def printed_link(capsys: pytest.CaptureFixture[str], path: str, heading: str) -> str:
    """The path and query of the link to ``path`` printed under ``heading`` since the last read."""
    out = capsys.readouterr().out
    assert heading in out
    link = re.search(rf"^    {re.escape(SITE)}({re.escape(path)}(?:\?\S+)?)$", out, re.MULTILINE)
    assert link is not None, out
    return link.group(1)


def test_without_smtp_the_link_is_printed_to_the_console(
    console_client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = console_client
    capsys.readouterr()
    assert request_link(client, email="newbie@example.com").status_code == 302
    check = client.get("/api/auth/verify-request?provider=email&type=email", follow_redirects=True)
    assert "the link was printed in the server console" in check.text

    client.get(printed_link(capsys, "/api/auth/callback/email", "Email sign-in link for newbie@example.com"))
    assert "Welcome, newbie@example.com!" in client.get("/profile").text


def test_without_smtp_password_links_are_printed_to_the_console(
    console_client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    client = console_client
    assert "printed in the server console" in client.get("/login").text
    capsys.readouterr()
    password_form(client, "sign-up", name="Newbie", email="newbie@example.com", password="quiet-lantern-harbor-91")
    link = printed_link(capsys, "/api/auth/password/verify", "Sign-up confirmation link for newbie@example.com")
    assert "Your account is ready" in client.get(link).text

    password_form(client, "forgot", email="newbie@example.com")
    link = printed_link(capsys, "/api/auth/password/reset", "Password reset link for newbie@example.com")
    assert "Choose a new password" in client.get(link).text

    password_form(client, "sign-up", email="newbie@example.com", password="quiet-lantern-harbor-91")
    heading = "Someone tried to sign up as newbie@example.com, which has an account already"
    assert printed_link(capsys, "/api/auth/password/forgot", heading) == "/api/auth/password/forgot"


def mailed_link(message: EmailMessage) -> str:
    """The one link to the password pages in a mail's plain-text part."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found: list[str] = _MAILED_LINK.findall(body.get_content())
    [link] = set(found)
    return link


def test_with_smtp_password_links_are_mailed(
    demo: ModuleType, db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_sink() as smtp:
        monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{smtp.port}")
        monkeypatch.setenv("EMAIL_FROM", "Demo <demo@mail.test>")
        app = demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE)
        with TestClient(app, follow_redirects=False) as client:
            assert "printed in the server console" not in client.get("/login").text
            password_form(client, "sign-up", email="newbie@example.com", password="quiet-lantern-harbor-91")
            password_form(client, "sign-up", email=demo.DEMO_ACCOUNT.email, password="quiet-lantern-harbor-91")
            password_form(client, "forgot", email=demo.DEMO_ACCOUNT.email)
            mails = smtp.mailbox.received
            assert [(m.sender, m.recipients) for m in mails] == [
                ("demo@mail.test", ["newbie@example.com"]),
                ("demo@mail.test", [demo.DEMO_ACCOUNT.email]),
                ("demo@mail.test", [demo.DEMO_ACCOUNT.email]),
            ]
            assert [m.message["Subject"] for m in mails] == [
                "Confirm your email for testserver",
                "Your account on testserver",
                "Reset your password on testserver",
            ]
            links = [mailed_link(m.message) for m in mails]
            assert [urlsplit(link).path for link in links] == [
                "/api/auth/password/verify",
                "/api/auth/password/forgot",  # the address has an account: its owner is told so
                "/api/auth/password/reset",
            ]
            verify = urlsplit(links[0])
            assert "Your account is ready" in client.get(f"{verify.path}?{verify.query}").text
    assert "printed here instead of mailed" not in capsys.readouterr().out


def test_without_a_url_console_links_use_the_request_host(
    demo: ModuleType, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AUTH_URL", "NEXTAUTH_URL", "SMTP_URL", "EMAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    app = demo.create_app(db_path, secret="s" * 32, oauth_providers=[])
    assert app.state.auth_options.trust_host is True
    with TestClient(app, follow_redirects=False) as client:
        assert request_link(client, email="newbie@example.com").status_code == 302


def test_without_a_url_links_that_leave_the_console_are_refused(
    demo: ModuleType, db_path: Path, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AUTH_URL", "NEXTAUTH_URL", "AUTH_TRUST_HOST"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="url"):
        demo.create_app(db_path, secret="s" * 32, oauth_providers=[], send_email=outbox)
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:2525")
    with pytest.raises(ConfigurationError, match="url"):
        demo.create_app(db_path, secret="s" * 32, oauth_providers=[])


def test_email_provider_from_env(demo: ModuleType, outbox: Outbox) -> None:
    console = demo.email_provider_from_env(environ={})
    assert console.server is None
    assert console.send_verification_request is demo.print_sign_in_link
    assert console.from_address == demo.DEFAULT_EMAIL_FROM

    smtp = demo.email_provider_from_env(
        environ={"SMTP_URL": "smtp://user:pw@mail.test:2525", "EMAIL_FROM": "Demo <demo@mail.test>"}
    )
    assert (smtp.server.host, smtp.server.port, smtp.server.username) == ("mail.test", 2525, "user")
    assert smtp.send_verification_request is None  # authsession's SMTP sender
    assert smtp.from_address == "Demo <demo@mail.test>"
    assert demo.email_provider_from_env(environ={"EMAIL_SERVER": "smtps://mail.test"}).server.port == 465
    # An injected sender wins over the environment.
    injected = demo.email_provider_from_env(outbox, environ={"SMTP_URL": "smtp://mail.test"})
    assert injected.send_verification_request is outbox


def test_the_site_url_of_the_runner(demo: ModuleType) -> None:
    assert demo.site_url_for("127.0.0.1", 8123, {}) == "http://127.0.0.1:8123"
    assert demo.site_url_for("0.0.0.0", 8123, {}) == "http://127.0.0.1:8123"  # noqa: S104
    assert demo.site_url_for("::1", 8123, {}) == "http://[::1]:8123"
    assert demo.site_url_for("0.0.0.0", 8123, {"AUTH_URL": "https://demo.test"}) == "https://demo.test"  # noqa: S104


@pytest.mark.parametrize("workers", [1, 2])
def test_the_runner_picks_its_event_loop_and_serves_from_a_frozen_heap(
    demo: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """``make demo`` runs one worker on asyncio's loop (uvloop served some connections far later
    than others under load) and freezes the heap once the app has started, in every worker."""
    import gc
    import signal

    import uvicorn

    for name in ("AUTH_SECRET", "AUTH_URL", "DEMO_DB"):  # main() hands these to its workers
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("AUTH_SECRET", "a-test-secret-that-is-long-enough-1234")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("DEMO_DB", str(tmp_path / "demo.sqlite3"))
    monkeypatch.setenv("DEMO_WORKERS", str(workers))
    monkeypatch.setenv("DEMO_LOCAL_OIDC", "0")
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # main's SIGTERM handler stays out of pytest
    served: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: served.append((target, kwargs)))

    demo.main()

    [(target, kwargs)] = served
    # asyncio's loop for one worker; uvloop for several, whose shared socket asyncio would serve
    # without TCP_NODELAY (40 ms per response).
    assert kwargs.get("loop", "auto") == ("asyncio" if workers == 1 else "auto")
    assert kwargs["access_log"] is False
    assert kwargs.get("workers", 1) == workers
    app = target if workers == 1 else demo.worker_app()
    gc.unfreeze()
    try:
        with TestClient(app) as started:
            assert gc.get_freeze_count() > 10_000  # the modules and the app, not a handful
            assert started.get("/").status_code == 200
    finally:
        gc.unfreeze()  # pytest's own objects go back to the collector


def test_the_demo_looks_up_no_opentelemetry_provider_per_request(
    demo: ModuleType, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo exports no telemetry, so FastAPI's per-request check of OpenTelemetry's global
    providers (about 7 % of the session endpoint's requests per second) is switched off."""
    import fastapi
    import opentelemetry.metrics
    import opentelemetry.trace

    if "telemetry" not in inspect.signature(fastapi.FastAPI).parameters:
        pytest.skip(f"FastAPI {fastapi.__version__} has no native telemetry to switch off")
    lookups: list[str] = []

    def counted(module: ModuleType, name: str) -> None:
        original = getattr(module, name)

        def lookup() -> Any:
            lookups.append(name)
            return original()

        monkeypatch.setattr(module, name, lookup)

    counted(opentelemetry.trace, "get_tracer_provider")
    counted(opentelemetry.metrics, "get_meter_provider")
    assert client.get("/api/auth/session").status_code == 200
    assert client.get("/profile").status_code == 200
    assert lookups == []
    # The check that would run without the setting: it does call them.
    fastapi.FastAPI()._native_telemetry.enabled()
    assert lookups


# --- where the demo's passwords live ----------------------------------------------------------


def test_deleting_a_user_deletes_their_hash(client: TestClient, db_path: Path) -> None:
    sign_up(client, email="ada@example.com", password="correct horse")
    [(user_id,)] = query(db_path, "SELECT id FROM users WHERE email = ?", "ada@example.com")
    assert len(query(db_path, 'SELECT hash FROM passwords WHERE "userId" = ?', user_id)) == 1
    adapter: SQLAlchemyAdapter = client.app.state.adapter  # type: ignore[attr-defined]
    client.portal.call(adapter.delete_user, str(user_id))  # type: ignore[union-attr]
    assert query(db_path, 'SELECT hash FROM passwords WHERE "userId" = ?', user_id) == []


def test_signing_in_rehashes_an_outdated_hash(demo: ModuleType, client: TestClient, db_path: Path) -> None:
    account = demo.DEMO_ACCOUNT
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(account.password)
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE passwords SET hash = ?", (old_hash,))
    assert sign_in(client, email=account.email, password=account.password).status_code == 302
    assert client.get("/api/me").json() == {"userEmail": account.email}
    [(_, _, new_hash)] = stored_rows(db_path)
    assert new_hash is not None
    assert new_hash != old_hash
    assert not PasswordHasher().check_needs_rehash(new_hash)


def test_a_corrupt_hash_refuses_the_sign_in(demo: ModuleType, client: TestClient, db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE passwords SET hash = 'not-a-hash'")
    account = demo.DEMO_ACCOUNT
    refused = sign_in(client, email=account.email, password=account.password)
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    assert client.get("/api/me").json() == {"userEmail": None}


# --- account pre-hijacking (issue 9 item 5) ---------------------------------------------------


def test_a_sign_up_in_the_victims_name_gives_the_attacker_nothing(
    client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    """The attack: sign up as the victim with your own password before they ever come; when
    they later sign in with an email link, keep a password into their account."""
    victim, attacker_password = "victim@example.com", "attacker-chosen-password"
    # The attacker signs up; the confirmation link goes to the victim's inbox, never opened.
    response = sign_up(client, name="Mallory", email=victim, password=attacker_password, confirm=False)
    assert response.status_code == 200
    unrequested_link = outbox.link()
    refused = sign_in(client, email=victim, password=attacker_password, callback_url="/profile")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    assert client.get("/api/me").json() == {"userEmail": None}
    assert session_tokens(db_path) == []

    # The victim arrives and signs in with an email link.
    client.cookies.clear()
    request_link(client, email=victim, callback_url="/profile")
    assert client.get(outbox.link()).headers["location"] == f"{SITE}/profile"
    assert client.get("/api/me").json() == {"userEmail": victim}
    profile = client.get("/profile").text
    assert "Mallory" not in profile  # the attacker's chosen name did not land in the account
    victim_session = client.cookies[SESSION_COOKIE]

    # The attacker's password still does not work, and the link they caused is dead.
    client.cookies.clear()
    refused = sign_in(client, email=victim, password=attacker_password, callback_url="/profile")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    assert client.get("/api/me").json() == {"userEmail": None}
    # Opening it now (say the victim clicks it) sets no password on the account that exists.
    late = client.get(unrequested_link)
    assert "You already have an account" in late.text
    refused = sign_in(client, email=victim, password=attacker_password, callback_url="/profile")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    assert session_tokens(db_path) == [victim_session]
    assert (
        query(db_path, 'SELECT p."userId" FROM passwords p JOIN users u ON u.id = p."userId" WHERE u.email = ?', victim)
        == []
    )


# --- brute-force limits (issue 9 item 7) ------------------------------------------------------


def test_password_guessing_is_slowed_down(client: TestClient, demo: ModuleType) -> None:
    for _ in range(5):
        refused = sign_in(client, email="demo@example.com", password="a wrong guess")
        assert "rate_limited" not in refused.headers["location"]
    # The sixth try waits, even with the right password.
    account = demo.DEMO_ACCOUNT
    limited = sign_in(client, email=account.email, password=account.password, callback_url="/profile")
    assert limited.status_code == 302
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    location = limited.headers["location"]
    assert location.startswith(f"{SITE}/login?error=CredentialsSignin&code=rate_limited")
    assert "Too many sign-in attempts." in client.get(location.removeprefix(SITE)).text
    assert client.get("/api/me").json() == {"userEmail": None}


def test_the_demo_counts_in_redis_when_told(demo: ModuleType) -> None:
    from authsession.ratelimit import RedisRateLimitStore

    limits = demo.rate_limits_from_env(
        {"RATE_LIMIT_REDIS_URL": "redis://127.0.0.1:6379/0", "TRUSTED_PROXIES": "10.0.0.1"}
    )
    assert isinstance(limits.store, RedisRateLimitStore)
    assert limits.trusted_proxies == ("10.0.0.1/32",)
    assert demo.rate_limits_from_env({}).store is None  # AuthOptions makes the in-memory one
