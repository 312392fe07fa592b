"""Password accounts and "Your sessions" through Django's integration, stored by DjangoAdapter on
SQLite and PostgreSQL: the ``<base>/password/*`` and ``<base>/sessions`` routes, Django's
``list_user_sessions`` and ``end_sessions``, revocable JWT sessions (the adapter's session
generations), and sync views under Django's ASGI handler that wait on the adapter."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import AsyncClient, override_settings
from django.urls import include, path

from account_pages import JSON, LAPTOP, PHONE, STRONG, Mailbox, csrf, follow, post, revoke, sign_in, sign_up, whoami
from django_db import point
from helpers import DJANGO_SQLITE, SECRET, configure_django

configure_django()

from authsession import AuthOptions  # noqa: E402 (Django's settings first)
from authsession.adapters.django import DjangoAdapter  # noqa: E402
from authsession.integrations import _bridge  # noqa: E402
from authsession.integrations.django import end_sessions, get_server_session, list_user_sessions  # noqa: E402
from authsession.providers.password import Password  # noqa: E402
from authsession.session_management import SessionManagement  # noqa: E402
from authsession.testing import asession_cookies  # noqa: E402

from .django_client import PROJECT, DjangoSuiteClient, URLConf  # noqa: E402

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SITE = "http://testserver"
EMAIL = "pat@example.com"


def me(request: HttpRequest) -> HttpResponse:
    session = get_server_session(request)
    return JsonResponse({"email": session["user"]["email"] if session else None})


def my_sessions(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"sessions": list_user_sessions(request)})


def sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ended": end_sessions(request, "others")})


URLS = URLConf(
    [
        path("api/auth/", include("authsession.integrations.django.urls")),
        path("me", me),
        path("my-sessions", my_sessions),
        path("sign-out-elsewhere", sign_out_elsewhere),
    ]
)


@pytest.fixture(params=["sqlite", "postgres"])
def adapter(request: pytest.FixtureRequest) -> DjangoAdapter:
    """DjangoAdapter on a migrated database of the test's own (PostgreSQL's emptied)."""
    return DjangoAdapter(using=request.getfixturevalue(f"django_{request.param}"))


def make_options(
    adapter: DjangoAdapter, mailbox: Mailbox, strategy: str = "database", **management: Any
) -> AuthOptions:
    return AuthOptions(
        secret=SECRET,
        url=SITE,
        providers=[Password(adapter=adapter, send_email=mailbox.send_password_mail)],
        adapter=adapter,
        session={"strategy": strategy},  # type: ignore[arg-type]
        session_management=SessionManagement(**management),
    )


@contextmanager
def project(options: AuthOptions) -> Iterator[None]:
    """``options`` as ``settings.AUTHSESSION`` and :data:`URLS` as the project's URLs."""
    with override_settings(ROOT_URLCONF=URLS, AUTHSESSION=options, **PROJECT):
        yield


def browser(headers: dict[str, str] | None = None) -> DjangoSuiteClient:
    client = DjangoSuiteClient(SITE)
    client.headers.update(headers or {})
    return client


def run(awaitable: Any) -> Any:
    return _bridge.run(awaitable)


def test_sign_up_verify_and_sign_in_with_a_database_session(adapter: DjangoAdapter) -> None:
    mailbox = Mailbox()
    with project(make_options(adapter, mailbox)):
        client = browser()
        answer = post(client, "sign-up", email="Pat@Example.com", password=STRONG, name="Pat")
        assert answer.status_code == 200
        assert "Check your email" in answer.text
        assert run(adapter.get_user_by_email(EMAIL)) is None  # nobody until the link is opened
        assert sign_in(client, EMAIL, STRONG).status_code == 302
        assert whoami(client) is None
        assert "Your account is ready" in follow(client, mailbox.last("sign-up", EMAIL)).text
        user = run(adapter.get_user_by_email(EMAIL))
        assert user is not None
        assert user["emailVerified"] is not None
        assert run(adapter.get_password_hash(user["id"])).startswith("$argon2id$")
        assert follow(client, mailbox.last("sign-up", EMAIL)).status_code == 400  # single use
        assert sign_in(client, EMAIL, "not-the-password-1").status_code == 302
        assert whoami(client) is None
        assert sign_in(client, EMAIL, STRONG).headers["location"] == SITE
        assert whoami(client) == EMAIL
        [stored] = run(adapter.list_sessions_of_user(user["id"]))  # a row that can be revoked
        assert stored["sessionToken"] == client.cookies["authjs.session-token"]


def test_your_sessions_lists_them_and_ends_the_others(adapter: DjangoAdapter) -> None:
    mailbox = Mailbox()
    with project(make_options(adapter, mailbox)):
        laptop, phone, tablet = browser(LAPTOP), browser(PHONE), browser()
        sign_up(laptop, mailbox, EMAIL)
        for client in (laptop, phone, tablet):
            sign_in(client, EMAIL, STRONG)
        listed = laptop.get("/api/auth/sessions", headers=JSON).json()["sessions"]
        assert len(listed) == 3
        [current] = [s for s in listed if s["current"]]
        assert current["userAgent"] == LAPTOP["User-Agent"]
        assert PHONE["User-Agent"] in [s["userAgent"] for s in listed]
        assert all(s["createdAt"].endswith("Z") for s in listed)
        assert laptop.cookies["authjs.session-token"] not in json.dumps(listed)  # ids, never tokens
        assert laptop.get("/my-sessions").json() == {"sessions": listed}  # Django's helper sees the same
        page = laptop.get("/api/auth/sessions", headers={"Accept": "text/html"})
        assert "Your sessions" in page.text
        assert "Safari" in page.text
        phone_id = next(s["id"] for s in listed if s["userAgent"] == PHONE["User-Agent"])
        assert revoke(laptop, phone_id).status_code == 200
        assert whoami(phone) is None
        assert whoami(tablet) == EMAIL
        assert laptop.post("/sign-out-elsewhere").json() == {"ended": 1}  # Django's end_sessions
        assert whoami(tablet) is None
        assert whoami(laptop) == EMAIL
        sign_in(phone, EMAIL, STRONG)
        assert revoke(laptop, "others").status_code == 200
        assert whoami(phone) is None
        user = run(adapter.get_user_by_email(EMAIL))
        assert [s["userAgent"] for s in run(adapter.list_sessions_of_user(user["id"]))] == [LAPTOP["User-Agent"]]


def test_a_password_reset_ends_every_session(adapter: DjangoAdapter) -> None:
    mailbox = Mailbox()
    with project(make_options(adapter, mailbox)):
        laptop, phone = browser(LAPTOP), browser(PHONE)
        sign_up(laptop, mailbox, EMAIL)
        sign_in(laptop, EMAIL, STRONG)
        sign_in(phone, EMAIL, STRONG)
        post(laptop, "forgot", email=EMAIL)
        link = mailbox.last("reset", EMAIL)
        fields = dict(parse_qsl(urlsplit(link).query))
        assert "Your password is changed" in post(laptop, "reset", password="a-brand-new-secret-42", **fields).text
        assert whoami(laptop) is None
        assert whoami(phone) is None
        user = run(adapter.get_user_by_email(EMAIL))
        assert run(adapter.list_sessions_of_user(user["id"])) == []
        assert post(laptop, "reset", password="yet-another-secret-43", **fields).status_code == 400  # single use
        sign_in(laptop, EMAIL, "a-brand-new-secret-42")
        assert whoami(laptop) == EMAIL


def test_a_password_change_ends_the_other_jwt_sessions(adapter: DjangoAdapter) -> None:
    """Revocable JWT sessions: the change bumps the user's session generation, a row DjangoAdapter
    keeps, and the phone's token, issued under the old one, no longer opens."""
    mailbox = Mailbox()
    with project(make_options(adapter, mailbox, "jwt", revoke_jwt=True)):
        laptop, phone = browser(LAPTOP), browser(PHONE)
        sign_up(laptop, mailbox, EMAIL)
        sign_in(laptop, EMAIL, STRONG)
        sign_in(phone, EMAIL, STRONG)
        assert whoami(phone) == EMAIL
        done = post(laptop, "change", currentPassword=STRONG, password="changed-secret-77")
        assert "signed out everywhere else" in done.text
        assert whoami(laptop) == EMAIL
        assert whoami(phone) is None
        user = run(adapter.get_user_by_email(EMAIL))
        assert run(adapter.get_session_generation(user["id"])) == 1
        assert revoke(laptop, "all").status_code == 302
        assert whoami(laptop) is None


async def test_sync_views_under_asgi_wait_on_the_adapter(adapter: DjangoAdapter) -> None:
    """Django's ASGI handler runs these ``def`` views in its thread-sensitive thread, which then
    waits on the sync bridge for the adapter's queries; they run in threads of the adapter's own,
    so nothing waits for that thread (a deadlock would end in the timeout)."""
    options = make_options(adapter, Mailbox())
    laptop, phone = [await _bridge.run_async(asession_cookies(options, {"email": EMAIL})) for _ in range(2)]
    with project(options):
        client = AsyncClient()
        for name, value in laptop.cookies.items():
            client.cookies[name] = value
        listed = await asyncio.wait_for(client.get("/my-sessions"), timeout=30)
        assert len(json.loads(listed.content)["sessions"]) == 2
        ended = await asyncio.wait_for(client.post("/sign-out-elsewhere"), timeout=30)
        assert json.loads(ended.content) == {"ended": 1}
        assert json.loads((await asyncio.wait_for(client.get("/me"), timeout=30)).content) == {"email": EMAIL}
    assert await adapter.get_session_and_user(phone.value) is None
    assert await adapter.get_session_and_user(laptop.value) is not None


def test_missing_tables_answer_with_a_logged_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, django_sqlite: str
) -> None:
    point(django_sqlite, str(tmp_path / "never-migrated.sqlite3"))
    adapter = DjangoAdapter(using=DJANGO_SQLITE)
    with project(make_options(adapter, Mailbox())), caplog.at_level(logging.ERROR, logger="authsession"):
        client = browser()
        answer = client.post(
            "/api/auth/password/sign-up",
            data={"csrfToken": csrf(client), "email": EMAIL, "password": STRONG},
            headers=JSON,
        )
    assert (answer.status_code, answer.json()) == (503, {"error": "Unavailable"})
    assert "migrate authsession_adapter" in caplog.text
