"""The demo app end to end through Starlette's TestClient: pages, sign-up, sign-in, sign-out."""

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
from typing import Literal

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

import authsession.providers

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://testserver"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOSTILE = '"><script>alert(1)</script>'
MUST_LOG_IN = "You must be logged in to view this page."
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


@pytest.fixture
def client(demo: ModuleType, db_path: Path) -> Iterator[TestClient]:
    app = demo.create_app(db_path, secret="a-test-secret-that-is-long-enough-1234", oauth_providers=[])
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_token(html: str) -> str:
    found = _CSRF_INPUT.search(html)
    assert found, "no csrfToken field on the page"
    return unescape(found.group(1))


def sign_up(
    client: TestClient, *, name: str = "Ada Lovelace", email: str = "ada@example.com", password: str = "correct horse"
):
    token = csrf_token(client.get("/signup").text)
    form = {"csrfToken": token, "name": name, "email": email, "password": password, "confirm": password}
    return client.post("/signup", data=form)


def sign_in(client: TestClient, *, email: str, password: str, callback_url: str = "/dashboard"):
    """What a browser does: load /login, then submit its form to the credentials callback."""
    login = client.get("/login", params={"callbackUrl": callback_url})
    assert login.status_code == 200
    form = {
        "email": email,
        "password": password,
        "csrfToken": csrf_token(login.text),
        "callbackUrl": unescape(_CALLBACK_INPUT.search(login.text).group(1)),
    }
    return client.post("/api/auth/callback/credentials", data=form)


def stored_rows(db_path: Path) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute("SELECT name, email, password_hash FROM users ORDER BY created_at").fetchall()


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


def test_sign_up_stores_an_argon2_hash_and_sends_you_to_login(client: TestClient, db_path: Path) -> None:
    response = sign_up(client, name="Ada Lovelace", email="Ada@Example.com", password="correct horse")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?registered=1"
    assert "Account created — sign in." in client.get(response.headers["location"]).text

    row = next(row for row in stored_rows(db_path) if row[1] == "ada@example.com")
    name, _, password_hash = row
    assert name == "Ada Lovelace"
    assert password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
    assert PasswordHasher().verify(password_hash, "correct horse")


def test_duplicate_sign_up_is_refused(client: TestClient, db_path: Path) -> None:
    assert sign_up(client, email="ada@example.com").status_code == 303
    response = sign_up(client, name="Someone Else", email=" ADA@example.com ", password="another password")
    assert response.status_code == 400
    assert "An account with this email already exists." in response.text
    assert [row[0] for row in stored_rows(db_path) if row[1] == "ada@example.com"] == ["Ada Lovelace"]


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


def test_seeding_is_skipped_when_the_account_exists(demo: ModuleType, db_path: Path) -> None:
    demo.create_app(db_path, secret="s" * 32, oauth_providers=[])
    demo.create_app(db_path, secret="s" * 32, oauth_providers=[])
    assert [row[1] for row in stored_rows(db_path)] == [demo.DEMO_ACCOUNT.email]


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


def test_login_shows_a_generic_message_for_other_errors_without_echoing_them(client: TestClient) -> None:
    page = client.get("/login", params={"error": f"Weird{HOSTILE}"}).text
    assert "Sign-in did not work. Please try again." in page
    assert "Weird" not in page
    assert "<script>" not in page


def test_sign_out_clears_the_session(client: TestClient) -> None:
    sign_up(client, email="ada@example.com", password="correct horse")
    sign_in(client, email="ada@example.com", password="correct horse")
    assert client.get("/api/me").json() == {"userEmail": "ada@example.com"}

    home = client.get("/").text
    response = client.post("/api/auth/signout", data={"csrfToken": csrf_token(home), "callbackUrl": "/"})
    assert response.status_code == 302
    assert response.headers["location"] == f"{SITE}/"
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
        assert "<script>" not in page, path
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
    assert "<script>" not in page
    assert unescape(_CALLBACK_INPUT.search(page).group(1)) == callback


@pytest.mark.parametrize("callback", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"])
def test_the_login_page_drops_a_foreign_callback_url(client: TestClient, callback: str) -> None:
    page = client.get("/login", params={"callbackUrl": callback}).text
    assert _CALLBACK_INPUT.search(page).group(1) == ""


def test_the_login_page_keeps_a_same_origin_callback_url(client: TestClient) -> None:
    page = client.get("/login", params={"callbackUrl": f"{SITE}/dashboard"}).text
    assert _CALLBACK_INPUT.search(page).group(1) == f"{SITE}/dashboard"


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
    assert "Sign in with" not in client.get("/login").text


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


# --- the user store ---------------------------------------------------------------------------


@pytest.mark.usefixtures("demo")
def test_authenticate_rehashes_an_outdated_hash(tmp_path: Path) -> None:
    from examples.demo.users import UserStore  # importable once the `demo` fixture has set sys.path

    path = tmp_path / "users.sqlite3"
    UserStore(path, PasswordHasher(time_cost=1, memory_cost=8192)).create(
        name="Old", email="old@example.com", password="old password"
    )
    old_hash = stored_rows(path)[0][2]
    user = UserStore(path).authenticate("old@example.com", "old password")
    assert user is not None
    assert user.email == "old@example.com"
    new_hash = stored_rows(path)[0][2]
    assert new_hash != old_hash
    assert not PasswordHasher().check_needs_rehash(new_hash)


@pytest.mark.usefixtures("demo")
def test_authenticate_refuses_a_corrupt_hash(tmp_path: Path) -> None:
    from examples.demo.users import UserStore

    path = tmp_path / "users.sqlite3"
    store = UserStore(path)
    store.create(name="Bad", email="bad@example.com", password="password123")
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE users SET password_hash = 'not-a-hash'")
    assert store.authenticate("bad@example.com", "password123") is None
