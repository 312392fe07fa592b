"""Two-factor sign-in with TOTP through a FastAPI app: enrolment, the code step after each kind of
first factor, single use of codes, recovery codes, rate limits, step-up and turning it off.

Codes are computed here with pyotp from the secret the enrolment page hands out, at the time of
the app's clock (a FakeClock), so nothing depends on the wall clock.
"""

# No ``from __future__ import annotations``: FastAPI must see the Annotated dependencies.

import re
import time
from collections.abc import Iterator
from typing import Annotated, Any

import pyotp
import pytest
from fastapi import Depends, FastAPI
from starlette.testclient import TestClient

from authsession import AuthOptions, Session
from authsession.adapters import MemoryAdapter
from authsession.errors import ConfigurationError
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Credentials, Email
from authsession.testing import InProcessOIDCProvider
from authsession.two_factor import TwoFactor
from authsession.types import User
from helpers import NOW, SECRET, FakeClock

pytestmark = pytest.mark.usefixtures("clean_auth_env")

BROWSER = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
ADA_EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
# Credentials sign-in that answers with the stored user, so two-factor can find its enrolment.
STORE = MemoryAdapter


class App:
    """A FastAPI app with two-factor on, its adapter, clock and a browser-like client."""

    def __init__(self, *, strategy: str = "jwt", format: str = "v5", **extra: Any) -> None:
        self.adapter = MemoryAdapter()
        # The real time (cookie jars drop cookies that expired by the wall clock), moved by hand.
        self.clock = FakeClock(time.time())
        self.sent: list[str] = []
        adapter = self.adapter

        async def authorize(credentials: dict[str, Any]) -> User | None:
            user = await adapter.get_user_by_email(str(credentials.get("email")))
            return user if user is not None and credentials.get("password") == PASSWORD else None

        async def send(*, identifier: str, url: str, **_: Any) -> None:
            self.sent.append(url)

        providers: list[Any] = [
            Credentials(authorize=authorize, credentials={"email": {"label": "Email"}, "password": {"label": "Pw"}}),
            Email(send_verification_request=send),
            *extra.pop("providers", []),
        ]
        self.options = AuthOptions(
            secret=SECRET,
            url="http://testserver",
            format=format,  # type: ignore[arg-type]
            providers=providers,
            adapter=adapter,
            session={"strategy": strategy},  # type: ignore[arg-type]
            clock=self.clock,
            two_factor=TwoFactor(issuer="Test app"),
            **extra,
        )
        app = FastAPI()
        auth = AuthSession(app, self.options)

        @app.get("/secret")
        async def secret(session: Annotated[Session, Depends(auth.require_session(second_factor=True))]) -> Any:
            return {"email": session["user"]["email"]}

        @app.get("/me")
        async def me(session: Annotated[Session | None, Depends(auth.session)]) -> Any:
            return {"email": session["user"]["email"] if session else None}

        self.app = app

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    async def user(self) -> User:
        existing = await self.adapter.get_user_by_email(ADA_EMAIL)
        if existing is not None:
            return existing
        return await self.adapter.create_user(
            {"id": "user-ada", "name": "Ada", "email": ADA_EMAIL, "emailVerified": None}
        )

    def code(self, secret: str, *, steps_ahead: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock.now + 30 * steps_ahead)


def csrf(client: TestClient) -> str:
    token: str = client.get("/api/auth/csrf").json()["csrfToken"]
    return token


def password_sign_in(client: TestClient, *, callback_url: str = "/me") -> Any:
    body = {"email": ADA_EMAIL, "password": PASSWORD, "csrfToken": csrf(client), "callbackUrl": callback_url}
    return client.post("/api/auth/callback/credentials", data=body)


def signed_in_email(client: TestClient) -> str | None:
    email: str | None = client.get("/me").json()["email"]
    return email


def enrol(app: App, client: TestClient) -> tuple[str, list[str]]:
    """Enrol the signed-in user through the HTML pages: the secret and the recovery codes."""
    page = client.get("/api/auth/two-factor/setup", headers=BROWSER)
    assert page.status_code == 200
    assert "<svg" in page.text
    found = re.search(r'data-secret="([A-Z2-7]+)"', page.text)
    assert found is not None
    secret = found.group(1)
    confirmed = client.post(
        "/api/auth/two-factor/setup", data={"csrfToken": csrf(client), "code": app.code(secret)}, headers=BROWSER
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", confirmed.text)
    assert len(codes) == 10
    app.clock.advance(30)  # the next code is a new step
    return secret, codes


def submit_code(client: TestClient, code: str, *, json_format: str | None = None) -> Any:
    """POST a code; ``json_format`` asks for JSON the way that format's clients do."""
    data = {"csrfToken": csrf(client), "code": code}
    headers = {"X-Auth-Return-Redirect": "1"} if json_format == "v5" else {}
    if json_format == "v4":
        data["json"] = "true"
    return client.post("/api/auth/two-factor", data=data, headers=headers)


@pytest.fixture(
    params=[("jwt", "v5"), ("jwt", "v4"), ("database", "v5"), ("database", "v4")], ids=lambda p: "-".join(p)
)
async def app(request: pytest.FixtureRequest) -> App:
    strategy, format = request.param
    built = App(strategy=strategy, format=format)
    await built.user()
    return built


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with app.client() as client:
        yield client


async def enrolled(app: App, client: TestClient) -> tuple[str, list[str]]:
    assert password_sign_in(client).status_code == 302
    secret, codes = enrol(app, client)
    client.post("/api/auth/signout", data={"csrfToken": csrf(client)})
    assert signed_in_email(client) is None
    return secret, codes


async def test_sign_in_waits_for_the_code(app: App, client: TestClient) -> None:
    secret, _ = await enrolled(app, client)
    first = password_sign_in(client, callback_url="/secret")
    assert first.status_code == 302
    assert first.headers["location"] == "http://testserver/api/auth/two-factor"
    assert signed_in_email(client) is None  # no session yet: only a pending sign-in
    page = client.get("/api/auth/two-factor", headers=BROWSER)
    assert page.status_code == 200
    assert 'name="code"' in page.text
    wrong = submit_code(client, "000000" if app.code(secret) != "000000" else "111111")
    assert wrong.status_code == 400
    assert "not valid" in wrong.text
    assert signed_in_email(client) is None
    done = submit_code(client, app.code(secret))
    assert done.status_code == 302
    assert done.headers["location"] == "http://testserver/secret"
    assert signed_in_email(client) == ADA_EMAIL
    assert client.get("/secret").json() == {"email": ADA_EMAIL}
    # The pending cookie is gone once used.
    assert not [name for name in client.cookies if name.endswith(".two-factor")]


async def test_a_code_works_once(app: App, client: TestClient) -> None:
    secret, _ = await enrolled(app, client)
    code = app.code(secret)
    password_sign_in(client)
    assert submit_code(client, code).status_code == 302
    with app.client() as other:
        password_sign_in(other)
        assert submit_code(other, code).status_code == 400  # same step: refused
        assert signed_in_email(other) is None
        assert submit_code(other, app.code(secret, steps_ahead=1)).status_code == 302  # drift window: next step
        assert signed_in_email(other) == ADA_EMAIL


async def test_recovery_codes_sign_in_once_each(app: App, client: TestClient) -> None:
    _, codes = await enrolled(app, client)
    password_sign_in(client)
    assert submit_code(client, codes[0].upper().replace("-", " ")).status_code == 302  # case and spacing do not matter
    assert signed_in_email(client) == ADA_EMAIL
    user = await app.user()
    assert await app.adapter.count_recovery_codes(user["id"]) == 9
    with app.client() as other:
        password_sign_in(other)
        assert submit_code(other, codes[0]).status_code == 400
        assert signed_in_email(other) is None


async def test_wrong_codes_are_rate_limited(app: App, client: TestClient) -> None:
    secret, _ = await enrolled(app, client)
    password_sign_in(client)
    wrong = "000000" if app.code(secret) != "000000" else "111111"
    for _ in range(5):
        assert submit_code(client, wrong).status_code == 400
    limited = submit_code(client, app.code(secret))
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert signed_in_email(client) is None
    as_json = submit_code(client, app.code(secret), json_format=app.options.format)
    assert (as_json.status_code, as_json.json()) == (429, {"error": "RateLimited"})


async def test_the_pending_sign_in_expires_and_stays_in_its_browser(app: App, client: TestClient) -> None:
    secret, _ = await enrolled(app, client)
    password_sign_in(client)
    with app.client() as thief:  # the code alone, from another browser, signs nobody in
        response = submit_code(thief, app.code(secret))
        assert response.status_code == 302
        assert "/api/auth/signin" in response.headers["location"]
        assert signed_in_email(thief) is None
    app.clock.advance(301)
    late = submit_code(client, app.code(secret))
    assert late.status_code == 302
    assert "/api/auth/signin" in late.headers["location"]
    assert signed_in_email(client) is None


async def test_a_tampered_pending_cookie_is_ignored(app: App, client: TestClient) -> None:
    secret, _ = await enrolled(app, client)
    password_sign_in(client)
    (name,) = [n for n in client.cookies if n.endswith(".two-factor")]
    value = client.cookies[name]
    client.cookies.set(name, value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    response = submit_code(client, app.code(secret))
    assert response.status_code == 302
    assert "/api/auth/signin" in response.headers["location"]
    assert signed_in_email(client) is None


async def test_posting_a_code_needs_the_csrf_token(app: App, client: TestClient) -> None:
    secret, _ = await enrolled(app, client)
    password_sign_in(client)
    response = client.post("/api/auth/two-factor", data={"code": app.code(secret)})
    assert response.status_code == 403
    assert signed_in_email(client) is None


async def test_older_sessions_step_up_before_a_protected_page(app: App, client: TestClient) -> None:
    with app.client() as laptop:
        assert password_sign_in(laptop).status_code == 302  # signed in before two-factor existed
        assert laptop.get("/secret").status_code == 403  # no second factor yet, for an API client
        secret, _ = await enrolled(app, client)
        assert signed_in_email(laptop) == ADA_EMAIL
        redirect = laptop.get("/secret", headers=BROWSER)
        assert redirect.status_code == 307
        assert redirect.headers["location"].startswith("/api/auth/two-factor?callbackUrl=%2Fsecret")
        assert laptop.get("/secret").status_code == 403  # an API client
        page = laptop.get(redirect.headers["location"], headers=BROWSER)
        assert page.status_code == 200
        done = submit_code(laptop, app.code(secret))
        assert done.status_code == 302
        assert done.headers["location"] == "http://testserver/secret"
        assert laptop.get("/secret").json() == {"email": ADA_EMAIL}


async def test_an_unenrolled_user_is_sent_to_enrol(app: App, client: TestClient) -> None:
    password_sign_in(client)
    redirect = client.get("/secret", headers=BROWSER)
    assert redirect.status_code == 307
    step = client.get(redirect.headers["location"], headers=BROWSER)
    assert step.status_code == 302
    assert step.headers["location"].startswith("http://testserver/api/auth/two-factor/setup")
    enrol(app, client)
    assert client.get("/secret").json() == {"email": ADA_EMAIL}  # enrolling was the second factor


async def test_turning_it_off_needs_a_fresh_code(app: App, client: TestClient) -> None:
    secret, codes = await enrolled(app, client)
    password_sign_in(client)
    submit_code(client, app.code(secret))
    app.clock.advance(30)
    page = client.get("/api/auth/two-factor/setup", headers=BROWSER)
    assert "You have 10 unused recovery codes." in page.text
    refused = client.post("/api/auth/two-factor/disable", data={"csrfToken": csrf(client), "code": codes[1]})
    assert refused.status_code == 400  # a recovery code does not turn it off
    no_csrf = client.post("/api/auth/two-factor/disable", data={"code": app.code(secret)})
    assert no_csrf.status_code == 403
    done = client.post("/api/auth/two-factor/disable", data={"csrfToken": csrf(client), "code": app.code(secret)})
    assert done.status_code == 200
    assert await app.adapter.get_two_factor((await app.user())["id"]) is None
    client.post("/api/auth/signout", data={"csrfToken": csrf(client)})
    assert password_sign_in(client).headers["location"] == "http://testserver/me"  # no second step any more
    assert signed_in_email(client) == ADA_EMAIL


async def test_the_secret_is_sealed_at_rest(app: App, client: TestClient) -> None:
    secret, codes = await enrolled(app, client)
    user = await app.user()
    record = await app.adapter.get_two_factor(user["id"])
    assert record is not None
    assert secret not in record["secret"]
    assert record["enabledAt"] is not None
    stored_codes = app.adapter.recovery_codes[user["id"]]
    assert not set(codes) & stored_codes
    assert all(len(code_hash) == 64 for code_hash in stored_codes)


async def test_the_enrolment_api_answers_json(app: App, client: TestClient) -> None:
    password_sign_in(client)
    started = client.get("/api/auth/two-factor/setup", headers=JSON).json()
    assert started["uri"].startswith("otpauth://totp/Test%20app:ada%40example.com?secret=")
    v5 = app.options.format == "v5"
    data = {"csrfToken": csrf(client), "code": app.code(started["secret"])} | ({} if v5 else {"json": "true"})
    confirmed = client.post(
        "/api/auth/two-factor/setup", data=data, headers={"X-Auth-Return-Redirect": "1"} if v5 else {}
    )
    body = confirmed.json()
    assert len(body["recoveryCodes"]) == 10
    assert body["url"] == "http://testserver/me"


# --- other first factors, one configuration each ------------------------------------------------------


async def test_an_email_link_sign_in_waits_for_the_code() -> None:
    app = App(strategy="database")
    await app.user()
    with app.client() as client:
        secret, _ = await enrolled(app, client)
        client.post("/api/auth/signin/email", data={"csrfToken": csrf(client), "email": ADA_EMAIL})
        link = app.sent[-1]
        landed = client.get(link.removeprefix("http://testserver"))
        assert landed.headers["location"] == "http://testserver/api/auth/two-factor"
        assert signed_in_email(client) is None
        assert submit_code(client, app.code(secret)).status_code == 302
        assert signed_in_email(client) == ADA_EMAIL


async def test_an_oauth_sign_in_waits_for_the_code() -> None:
    op = InProcessOIDCProvider(user={"sub": "ada-oidc", "name": "Ada", "email": ADA_EMAIL, "email_verified": True})
    app = App(providers=[op.oidc(allow_dangerous_email_account_linking=True)], http_transport=op.transport)
    await app.user()
    with app.client() as client:
        secret, _ = await enrolled(app, client)
        landed = op.sign_in(client, callback_url="/secret")
        assert landed.headers["location"] == "http://testserver/api/auth/two-factor"
        assert signed_in_email(client) is None
        done = submit_code(client, app.code(secret))
        assert done.headers["location"] == "http://testserver/secret"
        assert client.get("/secret").json() == {"email": ADA_EMAIL}


# --- configuration ----------------------------------------------------------------------------------


def test_the_routes_exist_only_when_two_factor_is_on() -> None:
    options = AuthOptions(secret=SECRET, url="http://testserver", providers=[], adapter=MemoryAdapter())
    app = FastAPI()
    AuthSession(app, options)
    with TestClient(app) as client:
        assert client.get("/api/auth/two-factor").status_code == 400
        assert client.get("/api/auth/two-factor/setup").status_code == 400


def test_two_factor_needs_an_adapter_that_stores_it() -> None:
    with pytest.raises(ConfigurationError, match="adapter"):
        AuthOptions(secret=SECRET, two_factor=TwoFactor())

    class Bare:
        async def get_user(self, id: str) -> None:
            return None

    with pytest.raises(ConfigurationError, match="get_two_factor"):
        AuthOptions(secret=SECRET, two_factor=TwoFactor(), adapter=Bare())  # type: ignore[arg-type]


def test_two_factor_settings_are_checked() -> None:
    for bad in ({"pending_max_age": 5}, {"window": 9}, {"recovery_codes": 0}, {"digits": 7}):
        with pytest.raises(ConfigurationError):
            TwoFactor(**bad)  # type: ignore[arg-type]


def test_a_code_matches_only_inside_the_window() -> None:
    settings = TwoFactor()
    secret = settings.new_secret()
    totp = pyotp.TOTP(secret)
    step = int(NOW) // 30
    assert settings.match(secret, totp.at(NOW), NOW) == step
    assert settings.match(secret, totp.at(NOW + 30), NOW) == step + 1
    assert settings.match(secret, totp.at(NOW - 30), NOW) == step - 1
    assert settings.match(secret, totp.at(NOW + 90), NOW) is None
    assert settings.match(secret, "12345", NOW) is None


def test_a_database_token_mark_needs_the_secret() -> None:
    from authsession._core.two_factor import mark_token, token_is_marked

    marked = mark_token([SECRET], "3f0c2a4e-session")
    assert token_is_marked([SECRET], marked)
    assert token_is_marked(["new-secret-" + "x" * 32, SECRET], marked)  # rotation keeps the mark
    assert not token_is_marked(["another-secret-" + "y" * 32], marked)
    assert not token_is_marked([SECRET], "3f0c2a4e-session")
    assert not token_is_marked([SECRET], marked[:-1] + ("A" if marked[-1] != "A" else "B"))
    assert not token_is_marked([SECRET], "other-session." + marked.rpartition(".")[2])


def test_flask_views_can_require_a_second_factor() -> None:
    from flask import Flask, g

    from authsession.integrations.flask import AuthSession as FlaskAuth
    from authsession.integrations.flask import auth_required

    adapter = MemoryAdapter()
    options = AuthOptions(
        secret=SECRET, url="http://localhost", adapter=adapter, session={"strategy": "jwt"}, two_factor=TwoFactor()
    )
    app = Flask(__name__)
    FlaskAuth(app, options)

    @app.get("/secret")
    @auth_required(second_factor=True)
    def secret() -> Any:
        return {"email": g.auth_session["user"]["email"]}

    from authsession.testing import session_cookies

    ada = {"id": "u1", "email": ADA_EMAIL}
    plain = session_cookies(options, ada)
    marked = session_cookies(options, ada, claims={"amr": ["otp"]})
    with app.test_client() as client:
        assert client.get("/secret").status_code == 401
        for name, value in plain.cookies.items():
            client.set_cookie(name, value)
        assert client.get("/secret").status_code == 403
        redirect = client.get("/secret", headers=BROWSER)
        assert redirect.status_code == 307
        assert redirect.headers["location"] == "/api/auth/two-factor?callbackUrl=%2Fsecret"
        for name, value in marked.cookies.items():
            client.set_cookie(name, value)
        assert client.get("/secret").get_json() == {"email": ADA_EMAIL}
