"""The ``Password`` provider end to end through a FastAPI app: sign-up that works only once the
address is confirmed, sign-in with both session strategies, forgot/reset and change (each ending
sessions), the password policy, re-hashing, no account enumeration, and the pre-hijacking attack
an outside review found in the demo."""

# No ``from __future__ import annotations``: FastAPI must see the Annotated dependencies.

import asyncio
import logging
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi import Depends, FastAPI
from starlette.testclient import TestClient

from account_pages import JSON, STRONG, Mailbox, csrf, follow, post, sign_in, sign_up, whoami
from authsession import AuthOptions, Session
from authsession.adapters import MemoryAdapter
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Credentials, Email
from authsession.providers.password import Password, smtp_mailer
from authsession.session_management import SessionManagement
from helpers import SECRET
from smtp_sink import smtp_sink

pytestmark = pytest.mark.usefixtures("clean_auth_env")


def build(strategy: str = "database", adapter: Any = None, **extra: Any) -> tuple[FastAPI, Any, Mailbox]:
    store = adapter if adapter is not None else MemoryAdapter()
    mailbox = Mailbox()
    options = AuthOptions(
        secret=SECRET,
        url="http://testserver",
        providers=[
            Password(adapter=store, send_email=mailbox.send_password_mail),
            Email(send_verification_request=mailbox.send_sign_in_link),
        ],
        adapter=store,
        session={"strategy": strategy},  # type: ignore[arg-type]
        **extra,
    )
    app = FastAPI()
    auth = AuthSession(app, options)

    @app.get("/me")
    async def me(session: Annotated[Session | None, Depends(auth.session)]) -> Any:
        return {"email": session["user"]["email"] if session else None}

    return app, store, mailbox


def browser(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def test_the_built_in_sign_in_page_links_to_sign_up_and_forgot_password() -> None:
    app, _, _ = build()
    with browser(app) as client:
        page = client.get("/api/auth/signin").text
        assert 'action="http://testserver/api/auth/callback/password"' in page
        for text, step in (("Forgot your password?", "forgot"), ("No account yet? Sign up", "sign-up")):
            assert f'<a href="http://testserver/api/auth/password/{step}">{text}</a>' in page
            assert client.get(f"/api/auth/password/{step}").status_code == 200  # the pages exist


def test_a_plain_credentials_provider_gets_no_account_links() -> None:
    options = AuthOptions(
        secret=SECRET, url="http://testserver", providers=[Credentials(authorize=lambda credentials, request: None)]
    )
    app = FastAPI()
    AuthSession(app, options)
    with browser(app) as client:
        page = client.get("/api/auth/signin").text
    assert "callback/credentials" in page
    assert "password/sign-up" not in page
    assert "password/forgot" not in page


@pytest.mark.parametrize("strategy", ["database", "jwt"])
def test_sign_up_works_only_once_the_address_is_confirmed(strategy: str) -> None:
    app, store, mailbox = build(strategy)
    with browser(app) as client:
        answer = post(client, "sign-up", email="Pat@Example.com", password=STRONG, name="Pat")
        assert answer.status_code == 200
        assert "Check your email" in answer.text
        assert asyncio.run(store.get_user_by_email("pat@example.com")) is None  # nobody yet
        assert sign_in(client, "pat@example.com", STRONG).status_code == 302
        assert whoami(client) is None  # the password does not work before the link is opened
        confirmed = follow(client, mailbox.last("sign-up", "pat@example.com"))
        assert "Your account is ready" in confirmed.text
        user = asyncio.run(store.get_user_by_email("pat@example.com"))
        assert user is not None
        assert user["emailVerified"] is not None
        assert user["name"] == "Pat"
        assert follow(client, mailbox.last("sign-up", "pat@example.com")).status_code == 400  # single use
        assert sign_in(client, "pat@example.com", STRONG).headers["location"] == "http://testserver"
        assert whoami(client) == "pat@example.com"
        if strategy == "database":
            assert len(store.sessions) == 1  # a revocable row, unlike Credentials


def test_pre_hijacking_by_sign_up_fails() -> None:
    """An attacker signs up with the victim's address and a password of their own. The link goes to
    the victim; the attacker's password never works, before or after the victim makes the account."""
    app, store, mailbox = build()
    with browser(app) as attacker, browser(app) as victim:
        post(attacker, "sign-up", email="victim@example.com", password="attacker-knows-this-1")
        assert sign_in(attacker, "victim@example.com", "attacker-knows-this-1").status_code == 302
        assert whoami(attacker) is None
        # The victim signs in with an email link, which creates the account.
        victim.post("/api/auth/signin/email", data={"csrfToken": csrf(victim), "email": "victim@example.com"})
        follow(victim, mailbox.last("sign-in", "victim@example.com"))
        assert whoami(victim) == "victim@example.com"
        # Even the attacker's sign-up link, opened now (by a careless click), sets no password.
        late = follow(victim, mailbox.last("sign-up", "victim@example.com"))
        assert "You already have an account" in late.text
        victim_id = asyncio.run(store.get_user_by_email("victim@example.com"))["id"]
        assert asyncio.run(store.get_password_hash(victim_id)) is None
        assert sign_in(attacker, "victim@example.com", "attacker-knows-this-1").status_code == 302
        assert whoami(attacker) is None


def test_a_sign_up_for_a_taken_address_answers_the_same_and_tells_its_owner() -> None:
    app, _, mailbox = build()
    with browser(app) as client:
        sign_up(client, mailbox, "pat@example.com")
        taken = post(client, "sign-up", email="pat@example.com", password="another-strong-one-7")
        fresh = post(client, "sign-up", email="new@example.com", password="another-strong-one-7")
        assert (taken.status_code, taken.text) == (fresh.status_code, fresh.text)
        assert mailbox.last("account-exists", "pat@example.com").endswith("/api/auth/password/forgot")
        json_answer = client.post(
            "/api/auth/password/sign-up",
            data={"csrfToken": csrf(client), "email": "pat@example.com", "password": STRONG},
            headers=JSON,
        )
        assert json_answer.json() == {"ok": True}


@pytest.mark.parametrize(
    ("password", "code"),
    [("short1", "PasswordTooShort"), ("password123", "PasswordTooCommon"), ("x" * 1025, "PasswordTooLong")],
)
def test_the_password_policy_answers_with_stable_codes(password: str, code: str) -> None:
    app, _, mailbox = build()
    with browser(app) as client:
        answer = client.post(
            "/api/auth/password/sign-up",
            data={"csrfToken": csrf(client), "email": "pat@example.com", "password": password},
            headers=JSON,
        )
        assert (answer.status_code, answer.json()) == (400, {"error": code})
        page = post(client, "sign-up", email="pat@example.com", password=password)
        assert page.status_code == 400
        assert "Create an account" in page.text
        assert mailbox.sent == []


def test_forms_need_the_csrf_token_and_a_real_address() -> None:
    app, _, mailbox = build()
    with browser(app) as client:
        no_csrf = client.post("/api/auth/password/sign-up", data={"email": "pat@example.com", "password": STRONG})
        assert no_csrf.status_code == 403
        bad = client.post(
            "/api/auth/password/sign-up",
            data={"csrfToken": csrf(client), "email": "alice:evil@attacker.com;", "password": STRONG},
            headers=JSON,
        )
        assert bad.json() == {"error": "InvalidEmail"}
        assert mailbox.sent == []
        assert client.get("/api/auth/password/nowhere").status_code == 400


def test_forgot_and_reset_end_every_session() -> None:
    app, store, mailbox = build()
    with browser(app) as laptop, browser(app) as phone:
        sign_up(laptop, mailbox, "pat@example.com")
        sign_in(laptop, "pat@example.com", STRONG)
        sign_in(phone, "pat@example.com", STRONG)
        unknown = post(laptop, "forgot", email="nobody@example.com")
        known = post(laptop, "forgot", email="pat@example.com")
        assert (unknown.status_code, unknown.text) == (known.status_code, known.text)  # no enumeration
        assert not [m for m in mailbox.sent if m["to"] == "nobody@example.com"]
        link = mailbox.last("reset", "pat@example.com")
        form = follow(laptop, link)
        assert "Choose a new password" in form.text
        fields = dict(parse_qsl(urlsplit(link).query))
        assert post(laptop, "reset", password="short", **fields).status_code == 400  # the link survives a bad try
        done = post(laptop, "reset", password="a-brand-new-secret-42", **fields)
        assert "Your password is changed" in done.text
        assert whoami(laptop) is None
        assert whoami(phone) is None
        assert store.sessions == {}
        assert post(laptop, "reset", password="yet-another-secret-43", **fields).status_code == 400  # single use
        sign_in(laptop, "pat@example.com", STRONG)
        assert whoami(laptop) is None
        sign_in(laptop, "pat@example.com", "a-brand-new-secret-42")
        assert whoami(laptop) == "pat@example.com"


def test_changing_the_password_ends_the_other_sessions() -> None:
    app, _, mailbox = build()
    with browser(app) as laptop, browser(app) as phone:
        sign_up(laptop, mailbox, "pat@example.com")
        sign_in(laptop, "pat@example.com", STRONG)
        sign_in(phone, "pat@example.com", STRONG)
        wrong = laptop.post(
            "/api/auth/password/change",
            data={"csrfToken": csrf(laptop), "currentPassword": "not-it", "password": "changed-secret-77"},
            headers=JSON,
        )
        assert (wrong.status_code, wrong.json()) == (400, {"error": "WrongPassword"})
        done = post(laptop, "change", currentPassword=STRONG, password="changed-secret-77")
        assert "signed out everywhere else" in done.text
        assert whoami(laptop) == "pat@example.com"
        assert whoami(phone) is None
        with browser(app) as stranger:
            assert stranger.get("/api/auth/password/change").status_code == 302


def test_jwt_sessions_end_too_with_session_generations() -> None:
    app, _, mailbox = build("jwt", session_management=SessionManagement(revoke_jwt=True))
    with browser(app) as laptop, browser(app) as phone:
        sign_up(laptop, mailbox, "pat@example.com")
        sign_in(laptop, "pat@example.com", STRONG)
        sign_in(phone, "pat@example.com", STRONG)
        post(laptop, "change", currentPassword=STRONG, password="changed-secret-77")
        assert whoami(laptop) == "pat@example.com"
        assert whoami(phone) is None


def test_old_hashes_are_upgraded_at_sign_in() -> None:
    app, store, _ = build()
    user = asyncio.run(store.create_user({"id": "u1", "email": "old@example.com", "emailVerified": None}))
    asyncio.run(
        store.update_user(
            {"id": "u1", "emailVerified": __import__("datetime").datetime.now(__import__("datetime").UTC)}
        )
    )
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    asyncio.run(store.set_password_hash(user["id"], weak.hash(STRONG)))
    with browser(app) as client:
        sign_in(client, "old@example.com", STRONG)
        assert whoami(client) == "old@example.com"
    upgraded = asyncio.run(store.get_password_hash("u1"))
    assert upgraded is not None
    assert not PasswordHasher().check_needs_rehash(upgraded)


def test_failed_password_sign_ins_are_rate_limited() -> None:
    app, _, mailbox = build()
    with browser(app) as client:
        sign_up(client, mailbox, "pat@example.com")
        for _ in range(5):
            sign_in(client, "pat@example.com", "wrong-password-1")
        refused = sign_in(client, "pat@example.com", STRONG)
        assert "code=rate_limited" in refused.headers["location"]
        assert whoami(client) is None


def test_missing_tables_answer_with_a_logged_fix(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # create_schema() never ran
    app, _, _ = build(adapter=adapter)
    with browser(app) as client, caplog.at_level(logging.ERROR, logger="authsession"):
        answer = client.post(
            "/api/auth/password/sign-up",
            data={"csrfToken": csrf(client), "email": "pat@example.com", "password": STRONG},
            headers=JSON,
        )
        assert (answer.status_code, answer.json()) == (503, {"error": "Unavailable"})
    assert "create_schema()" in caplog.text
    asyncio.run(adapter.close())


def test_smtp_mailer_mails_each_kind_in_its_own_words() -> None:
    with smtp_sink() as smtp:
        store = MemoryAdapter()
        send = smtp_mailer(f"smtp://127.0.0.1:{smtp.port}", from_address="Site <site@mail.test>")
        options = AuthOptions(
            secret=SECRET,
            url="http://testserver",
            providers=[Password(adapter=store, send_email=send)],
            adapter=store,
        )
        app = FastAPI()
        AuthSession(app, options)
        with browser(app) as client:
            post(client, "sign-up", email="ada@example.com", password=STRONG)
            [confirm] = smtp.mailbox.received
            follow(client, mailed_url(confirm.message))
            post(client, "sign-up", email="ada@example.com", password=STRONG)
            post(client, "forgot", email="ada@example.com")
    mails = smtp.mailbox.received
    assert [(m.sender, m.recipients) for m in mails] == [("site@mail.test", ["ada@example.com"])] * 3
    assert [m.message["Subject"] for m in mails] == [
        "Confirm your email for testserver",
        "Your account on testserver",
        "Reset your password on testserver",
    ]
    paths = [urlsplit(mailed_url(m.message)).path for m in mails]
    assert paths == ["/api/auth/password/verify", "/api/auth/password/forgot", "/api/auth/password/reset"]
    html = mails[2].message.get_body(preferencelist=("html",))
    assert html is not None
    assert ">Choose a new password</a>" in html.get_content()
    assert "Sign in to" not in "".join(str(m.message) for m in mails)


def mailed_url(message: EmailMessage) -> str:
    """The link in a mail's plain-text part."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text: str = body.get_content()
    [url] = [line for line in text.splitlines() if line.startswith("http://testserver/")]
    return url
