"""The demo app end to end through Starlette's TestClient: pages, sign-up, sign-in, sign-out,
email sign-in, and what each leaves in the Auth.js tables of the demo's SQLite file."""

from __future__ import annotations

import importlib
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from types import ModuleType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from httpx2 import Response
from starlette.testclient import TestClient

import authsession.providers
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.errors import ConfigurationError
from authsession.providers.passkey import PASSKEY_SCRIPT

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://testserver"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOSTILE = '"><script>alert(1)</script>'
MUST_LOG_IN = "You must be logged in to view this page."
SESSION_COOKIE = "authjs.session-token"
_CSRF_INPUT = re.compile(r'name="csrfToken" value="([^"]*)"')
_CALLBACK_INPUT = re.compile(r'name="callbackUrl" value="([^"]*)"')


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


def sign_up(
    client: TestClient,
    *,
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    password: str = "correct horse",
    confirm: bool = True,
) -> Response:
    """Submit the sign-up form; with ``confirm``, open the link it mailed, as the owner would."""
    outbox: Outbox = client.outbox  # type: ignore[attr-defined]
    mailed = len(outbox.sent)
    token = csrf_token(client.get("/signup").text)
    form = {"csrfToken": token, "name": name, "email": email, "password": password, "confirm": password}
    response = client.post("/signup", data=form)
    if confirm and response.status_code == 303 and len(outbox.sent) > mailed:
        confirmed = client.get(outbox.link())
        assert confirmed.headers["location"] == "/login?registered=1"
    return response


def sign_in(client: TestClient, *, email: str, password: str, callback_url: str = "/dashboard") -> Response:
    """What a browser does: load /login, then submit its form to the credentials callback."""
    login = client.get("/login", params={"callbackUrl": callback_url})
    assert login.status_code == 200
    form = {
        "email": email,
        "password": password,
        "csrfToken": csrf_token(login.text),
        "callbackUrl": unescape(callback_url_field(login.text)),
    }
    return client.post("/api/auth/callback/credentials", data=form)


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
    """(name, email, argon2 hash) of every user in the Auth.js ``users`` table, oldest first."""
    return query(
        db_path,
        "SELECT u.name, u.email, p.hash FROM users u LEFT JOIN demo_passwords p ON p.user_id = u.id ORDER BY u.id",
    )


def session_tokens(db_path: Path) -> list[str]:
    return [row[0] for row in query(db_path, 'SELECT "sessionToken" FROM sessions')]


# --- anonymous visitors -----------------------------------------------------------------------


def test_home_links_to_every_page_and_says_nobody_is_signed_in(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    for href in ("/profile", "/dashboard", "/api/me", "/login", "/signup"):
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


# --- sign-up ----------------------------------------------------------------------------------


def test_sign_up_mails_a_link_and_confirming_stores_an_argon2_hash(
    client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    response = sign_up(client, name="Ada Lovelace", email="Ada@Example.com", password="correct horse", confirm=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/check-email?signup=1"
    assert "a link to confirm it is on its way" in client.get(response.headers["location"]).text
    # Nobody exists until the address is confirmed.
    assert query(db_path, "SELECT id FROM users WHERE email = ?", "ada@example.com") == []
    (mail,) = outbox.sent
    assert mail["identifier"] == "ada@example.com"

    confirmed = client.get(outbox.link())
    assert confirmed.headers["location"] == "/login?registered=1"
    assert "Address confirmed — sign in with your password." in client.get("/login?registered=1").text
    assert client.get(outbox.link()).headers["location"] == "/login?error=Verification"  # once only

    # The user is a row of the Auth.js schema, with an id the database gave it, verified...
    [(user_id, name, email_verified, image)] = query(
        db_path, 'SELECT id, name, "emailVerified", image FROM users WHERE email = ?', "ada@example.com"
    )
    assert isinstance(user_id, int)
    assert (name, image) == ("Ada Lovelace", None)
    assert email_verified is not None
    # ...and the argon2 hash sits in the demo's own table, under that id.
    [(password_hash,)] = query(db_path, "SELECT hash FROM demo_passwords WHERE user_id = ?", str(user_id))
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
    assert PasswordHasher().verify(password_hash, "correct horse")
    assert query(db_path, "SELECT email FROM demo_signups") == []


def test_sign_up_does_not_tell_whether_an_address_is_registered(
    client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    sign_up(client, email="ada@example.com")
    taken = sign_up(client, name="Someone Else", email=" ADA@example.com ", password="another password", confirm=False)
    free = sign_up(client, name="Someone Else", email="bob@example.com", password="another password", confirm=False)
    assert (taken.status_code, taken.headers["location"]) == (free.status_code, free.headers["location"])
    assert client.get(taken.headers["location"]).text == client.get(free.headers["location"]).text
    # Only the owner's inbox hears of it; the account is unchanged until that link is opened.
    assert [mail["identifier"] for mail in outbox.sent][-2:] == ["ada@example.com", "bob@example.com"]
    assert [row[0] for row in stored_rows(db_path) if row[1] == "ada@example.com"] == ["Ada Lovelace"]
    assert (
        sign_in(client, email="ada@example.com", password="another password")
        .headers["location"]
        .startswith(f"{SITE}/login?error=CredentialsSignin")
    )


def test_a_bad_or_expired_confirmation_link_confirms_nothing(client: TestClient, db_path: Path, outbox: Outbox) -> None:
    sign_up(client, email="ada@example.com", confirm=False)
    for params in ({"email": "ada@example.com", "token": "forged"}, {"email": "ada@example.com"}, {}):
        assert client.get("/signup/confirm", params=params).headers["location"] == "/login?error=Verification"
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE demo_signups SET expires = '2000-01-01 00:00:00.000000'")
    assert client.get(outbox.link()).headers["location"] == "/login?error=Verification"
    assert query(db_path, "SELECT id FROM users WHERE email = ?", "ada@example.com") == []


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_sign_up_without_the_csrf_token_is_refused(client: TestClient, db_path: Path, token: str | None) -> None:
    client.get("/signup")  # the CSRF cookie is set; only the posted token is missing or wrong
    form = {"name": "Mallory", "email": "mallory@example.com", "password": "password123", "confirm": "password123"}
    if token is not None:
        form["csrfToken"] = token
    response = client.post("/signup", data=form)
    assert response.status_code == 403
    assert "Your form had expired" in response.text
    assert all(row[1] != "mallory@example.com" for row in stored_rows(db_path))


def test_sign_up_with_a_token_but_no_csrf_cookie_is_refused(client: TestClient, db_path: Path) -> None:
    token = csrf_token(client.get("/signup").text)
    client.cookies.clear()  # a cross-site form post carries the token it saw, not the victim's cookie
    form = {
        "csrfToken": token,
        "name": "M",
        "email": "m@example.com",
        "password": "password123",
        "confirm": "password123",
    }
    assert client.post("/signup", data=form).status_code == 403
    assert all(row[1] != "m@example.com" for row in stored_rows(db_path))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Please enter your name."),
        ("email", "not-an-email", "Please enter a valid email address"),
        ("email", "a@b", "Please enter a valid email address"),
        ("password", "short", "at least 8 characters"),
        ("confirm", "something else", "The two passwords do not match."),
    ],
)
def test_sign_up_validates_the_form(client: TestClient, db_path: Path, field: str, value: str, message: str) -> None:
    token = csrf_token(client.get("/signup").text)
    form = {"csrfToken": token, "name": "Ada", "email": "ada@example.com", "password": "password123"}
    form["confirm"] = form["password"]
    form[field] = value
    response = client.post("/signup", data=form)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="password123"' not in response.text  # passwords are never sent back
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


def test_seeding_is_skipped_when_the_account_exists(demo: ModuleType, db_path: Path) -> None:
    for _ in range(2):
        with TestClient(demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE)) as client:
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
    response = client.post("/api/auth/callback/credentials", data=form)
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


# --- escaping ---------------------------------------------------------------------------------


def test_a_hostile_name_is_escaped_everywhere(client: TestClient) -> None:
    name = f"Eve{HOSTILE}"
    assert sign_up(client, name=name, email="eve@example.com", password="password123").status_code == 303
    sign_in(client, email="eve@example.com", password="password123")
    for path in ("/", "/profile", "/dashboard"):
        page = client.get(path, headers=BROWSER).text
        assert not injected(page), path
        assert "Eve&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_a_hostile_name_is_escaped_when_sign_up_fails(client: TestClient) -> None:
    token = csrf_token(client.get("/signup").text)
    form = {"csrfToken": token, "name": HOSTILE, "email": HOSTILE, "password": "x", "confirm": "y"}
    page = client.post("/signup", data=form).text
    assert "<script>" not in page
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


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
    # Signing up with that address later, and confirming it, gives the account a password.
    assert sign_up(client, name="Newbie", email="newbie@example.com", password="a new password").status_code == 303
    response = sign_in(client, email="newbie@example.com", password="a new password", callback_url="/profile")
    assert response.headers["location"] == f"{SITE}/profile"


def test_without_smtp_the_link_is_printed_to_the_console(
    demo: ModuleType, db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SMTP_URL", "EMAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    app = demo.create_app(db_path, secret="s" * 32, oauth_providers=[], url=SITE)
    with TestClient(app, follow_redirects=False) as client:
        capsys.readouterr()
        assert request_link(client, email="newbie@example.com").status_code == 302
        check = client.get("/api/auth/verify-request?provider=email&type=email", follow_redirects=True)
        assert "the link was printed in the server console" in check.text

        out = capsys.readouterr().out
        assert "Email sign-in link for newbie@example.com" in out
        link = re.search(rf"^    ({re.escape(SITE)}/api/auth/callback/email\?\S+)$", out, re.MULTILINE)
        assert link is not None, out
        client.get(link.group(1).removeprefix(SITE))
        assert "Welcome, newbie@example.com!" in client.get("/profile").text


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


# --- the user store ---------------------------------------------------------------------------


@pytest.fixture
async def store(demo: ModuleType, db_path: Path) -> Any:
    from examples.demo.users import UserStore, sqlite_url  # importable once `demo` has set sys.path

    adapter = SQLAlchemyAdapter(sqlite_url(db_path))
    users = UserStore(adapter)
    await users.create_tables()
    yield users
    await adapter.close()


async def test_create_goes_through_the_adapter(store: Any) -> None:
    user = await store.create(name=" Ada ", email=" Ada@Example.com ", password="correct horse")
    assert await store.adapter.get_user(user["id"]) == user
    assert (user["name"], user["email"]) == ("Ada", "ada@example.com")
    assert await store.authenticate("ADA@example.com", "correct horse") == user
    assert await store.authenticate("ada@example.com", "wrong horse") is None


async def test_deleting_a_user_deletes_their_hash(store: Any, db_path: Path) -> None:
    user = await store.create(name="Ada", email="ada@example.com", password="correct horse")
    await store.adapter.delete_user(user["id"])
    assert query(db_path, "SELECT * FROM demo_passwords") == []


async def test_authenticate_rehashes_an_outdated_hash(store: Any, db_path: Path) -> None:
    store.hasher = PasswordHasher(time_cost=1, memory_cost=8192)
    await store.create(name="Old", email="old@example.com", password="old password")
    old_hash = stored_rows(db_path)[0][2]
    store.hasher = PasswordHasher()
    user = await store.authenticate("old@example.com", "old password")
    assert user is not None
    assert user["email"] == "old@example.com"
    new_hash = stored_rows(db_path)[0][2]
    assert new_hash is not None
    assert new_hash != old_hash
    assert not PasswordHasher().check_needs_rehash(new_hash)


async def test_authenticate_refuses_a_corrupt_hash(store: Any, db_path: Path) -> None:
    await store.create(name="Bad", email="bad@example.com", password="password123")
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE demo_passwords SET hash = 'not-a-hash'")
    assert await store.authenticate("bad@example.com", "password123") is None


@pytest.mark.usefixtures("demo")
def test_seed_user_from_sync_code(tmp_path: Path) -> None:
    from examples.demo.users import seed_user

    path = tmp_path / "seeded.sqlite3"
    assert seed_user(path, name="Ada", email="ada@example.com", password="correct horse") is True
    assert seed_user(path, name="Ada", email="ada@example.com", password="correct horse") is False
    assert [row[:2] for row in stored_rows(path)] == [("Ada", "ada@example.com")]


# --- account pre-hijacking (issue 9 item 5) ---------------------------------------------------


def test_a_sign_up_in_the_victims_name_gives_the_attacker_nothing(
    client: TestClient, db_path: Path, outbox: Outbox
) -> None:
    """The attack: sign up as the victim with your own password before they ever come; when
    they later sign in with an email link, keep a password into their account."""
    victim, attacker_password = "victim@example.com", "attacker-chosen-password"
    # The attacker signs up; the confirmation link goes to the victim's inbox, never opened.
    response = sign_up(client, name="Mallory", email=victim, password=attacker_password, confirm=False)
    assert response.headers["location"] == "/check-email?signup=1"
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
    assert client.get(unrequested_link).headers["location"] == "/login?error=Verification"
    refused = sign_in(client, email=victim, password=attacker_password, callback_url="/profile")
    assert refused.headers["location"].startswith(f"{SITE}/login?error=CredentialsSignin")
    assert session_tokens(db_path) == [victim_session]
    assert (
        query(
            db_path, "SELECT p.user_id FROM demo_passwords p JOIN users u ON u.id = p.user_id WHERE u.email = ?", victim
        )
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
