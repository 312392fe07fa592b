""" "Your sessions" and sign-out everywhere: listing and ending database sessions one by one or as a
group, and JWT sessions as a group through session generations, from the built-in page, its JSON
and the integrations' helpers."""

# No ``from __future__ import annotations``: FastAPI must see the Annotated dependencies.

import asyncio
import re
import time
from datetime import datetime
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request, Response
from starlette.testclient import TestClient

from account_pages import JSON, LAPTOP, PHONE, csrf, revoke
from authsession import AuthOptions, Session
from authsession.adapters import MemoryAdapter
from authsession.errors import ConfigurationError
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Credentials, Email
from authsession.session_management import GENERATION_CLAIM, SessionManagement
from authsession.types import User
from helpers import SECRET

pytestmark = pytest.mark.usefixtures("clean_auth_env")

PASSWORD = "correct horse battery staple"


def make_app(
    adapter: MemoryAdapter, *, strategy: str, management: SessionManagement | None = None
) -> tuple[FastAPI, AuthOptions]:
    async def authorize(credentials: dict[str, Any]) -> User | None:
        user = await adapter.get_user_by_email(str(credentials.get("email")))
        return user if user is not None and credentials.get("password") == PASSWORD else None

    async def send(**_: Any) -> None:
        return None

    options = AuthOptions(
        secret=SECRET,
        url="http://testserver",
        providers=[Credentials(authorize=authorize), Email(send_verification_request=send)],
        adapter=adapter,
        session={"strategy": strategy},  # type: ignore[arg-type]
        session_management=management or SessionManagement(),
    )
    app = FastAPI()
    auth = AuthSession(app, options)

    @app.get("/me")
    async def me(session: Annotated[Session | None, Depends(auth.session)]) -> Any:
        return {"email": session["user"]["email"] if session else None}

    @app.get("/my-sessions")
    async def my_sessions(request: Request) -> Any:
        return await auth.list_sessions(request)

    @app.post("/sign-out-elsewhere")
    async def elsewhere(request: Request, response: Response) -> Any:
        return {"ended": await auth.end_sessions(request, response, "others")}

    return app, options


def sign_in(client: TestClient) -> None:
    body = {"email": "ada@example.com", "password": PASSWORD, "csrfToken": csrf(client)}
    assert client.post("/api/auth/callback/credentials", data=body).status_code == 302
    assert signed_in(client)


def signed_in(client: TestClient) -> bool:
    email: str | None = client.get("/me").json()["email"]
    return email == "ada@example.com"


@pytest.fixture
def adapter() -> MemoryAdapter:
    store = MemoryAdapter()
    asyncio.run(store.create_user({"id": "ada", "name": "Ada", "email": "ada@example.com", "emailVerified": None}))
    return store


def browser(app: FastAPI, headers: dict[str, str] | None = None) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    client.headers.update(headers or {})  # the constructor's headers keep TestClient's own User-Agent
    return client


def clients(app: FastAPI) -> tuple[TestClient, TestClient]:
    return browser(app, LAPTOP), browser(app, PHONE)


# --- database sessions ------------------------------------------------------------------------------


def test_a_user_lists_their_database_sessions(adapter: MemoryAdapter) -> None:
    app, _ = make_app(adapter, strategy="database")
    laptop, phone = clients(app)
    with laptop, phone:
        sign_in(laptop)
        sign_in(phone)
        listed = laptop.get("/api/auth/sessions", headers=JSON).json()["sessions"]
        assert len(listed) == 2
        current = [s for s in listed if s["current"]]
        assert len(current) == 1
        assert current[0]["userAgent"] == LAPTOP["User-Agent"]
        other = next(s for s in listed if not s["current"])
        assert other["userAgent"] == PHONE["User-Agent"]
        assert other["ip"] is None  # not recorded unless the app opts in
        assert re.fullmatch(r"[0-9a-f]{24}", other["id"])
        assert other["createdAt"].endswith("Z")
        tokens = [s["sessionToken"] for s in adapter.sessions.values()]
        assert not any(token in str(listed) for token in tokens)  # ids, never tokens
        assert laptop.get("/my-sessions").json() == listed  # the FastAPI helper sees the same
        page = laptop.get("/api/auth/sessions", headers={"Accept": "text/html"})
        assert "Your sessions" in page.text
        assert "(this browser)" in page.text
        assert "Safari" in page.text
        assert "Sign out everywhere else" in page.text
        # Times a reader can read, with the exact value kept for machines; and a way back.
        created = datetime.fromisoformat(other["createdAt"].replace("Z", "+00:00"))
        shown = f'<time datetime="{other["createdAt"]}">{created.day} {created:%b %Y, %H:%M} UTC</time>'
        assert f"signed in {shown}" in page.text
        assert '<a href="http://testserver">Back to testserver</a>' in page.text


def test_ending_one_database_session(adapter: MemoryAdapter) -> None:
    app, _ = make_app(adapter, strategy="database")
    laptop, phone = clients(app)
    with laptop, phone:
        sign_in(laptop)
        sign_in(phone)
        other = next(s for s in laptop.get("/api/auth/sessions", headers=JSON).json()["sessions"] if not s["current"])
        done = revoke(laptop, other["id"])
        assert done.status_code == 200
        assert "That session is signed out." in done.text
        assert not signed_in(phone)
        assert signed_in(laptop)
        assert revoke(laptop, "0" * 24, **{"X-Auth-Return-Redirect": "1"}).json() == {"ended": 0}  # unknown id


def test_ending_all_other_and_all_database_sessions(adapter: MemoryAdapter) -> None:
    app, _ = make_app(adapter, strategy="database")
    laptop, phone = clients(app)
    tablet = browser(app)
    with laptop, phone, tablet:
        for client in (laptop, phone, tablet):
            sign_in(client)
        assert laptop.post("/sign-out-elsewhere").json() == {"ended": 2}
        assert signed_in(laptop)
        assert not signed_in(phone)
        assert not signed_in(tablet)
        sign_in(phone)
        everywhere = revoke(laptop, "all")
        assert everywhere.status_code == 302
        assert "/api/auth/signin" in everywhere.headers["location"]
        assert not signed_in(laptop)
        assert not signed_in(phone)
        assert adapter.sessions == {}


def test_ending_sessions_needs_the_csrf_token_and_a_session(adapter: MemoryAdapter) -> None:
    app, _ = make_app(adapter, strategy="database")
    laptop, phone = clients(app)
    with laptop, phone:
        sign_in(laptop)
        sign_in(phone)
        refused = laptop.post("/api/auth/sessions", data={"revoke": "others"})
        assert refused.status_code == 403
        assert signed_in(phone)
        with browser(app) as stranger:
            assert stranger.get("/api/auth/sessions", headers=JSON).status_code == 401
            assert stranger.get("/api/auth/sessions").status_code == 302
            assert revoke(stranger, "all").status_code == 302
        assert signed_in(phone)
        for bad in ("", "x" * 65):
            assert revoke(laptop, bad).status_code == 400


# --- JWT sessions: generations ------------------------------------------------------------------------


def test_jwt_sessions_end_as_a_group(adapter: MemoryAdapter) -> None:
    app, options = make_app(adapter, strategy="jwt", management=SessionManagement(revoke_jwt=True))
    laptop, phone = clients(app)
    with laptop, phone:
        sign_in(laptop)
        sign_in(phone)
        from authsession.jwt import decode

        name = "authjs.session-token"
        claims = decode(token=laptop.cookies[name], secret=SECRET, salt=name)
        assert claims is not None
        assert claims[GENERATION_CLAIM] == 0
        listed = laptop.get("/api/auth/sessions", headers=JSON).json()["sessions"]
        assert [s["current"] for s in listed] == [True]  # a JWT session knows only itself
        assert revoke(laptop, "one-id").status_code == 400
        assert laptop.post("/sign-out-elsewhere").json() == {"ended": -1}
        assert signed_in(laptop)  # re-issued under the new generation
        assert not signed_in(phone)
        assert adapter.session_generations["ada"] == 1
        sign_in(phone)
        assert revoke(laptop, "all").status_code == 302
        assert not signed_in(laptop)
        assert not signed_in(phone)
        assert options.session_generations is not None


def test_another_process_sees_a_revocation_after_its_cache_expires(adapter: MemoryAdapter) -> None:
    app_a, _ = make_app(adapter, strategy="jwt", management=SessionManagement(revoke_jwt=True))
    app_b, _ = make_app(
        adapter, strategy="jwt", management=SessionManagement(revoke_jwt=True, generation_cache_seconds=0.5)
    )
    with browser(app_a, LAPTOP) as laptop, browser(app_b, PHONE) as phone:
        sign_in(laptop)
        phone.cookies.update(laptop.cookies)  # the same token, read by another process
        assert signed_in(phone)  # process B now caches generation 0 for half a second
        assert laptop.post("/sign-out-elsewhere").json() == {"ended": -1}
        stolen = {"authjs.session-token": phone.cookies["authjs.session-token"]}
        phone.cookies.clear()
        phone.cookies.update(stolen)
        time.sleep(0.6)
        assert not signed_in(phone)


def test_without_generations_jwt_sessions_cannot_be_ended_elsewhere(adapter: MemoryAdapter) -> None:
    app, options = make_app(adapter, strategy="jwt")
    laptop, phone = clients(app)
    with laptop, phone:
        sign_in(laptop)
        assert revoke(laptop, "others").status_code == 400
        assert "Sign out everywhere" not in laptop.get("/api/auth/sessions").text
        assert options.session_generations is not None


def test_the_routes_exist_only_with_session_management() -> None:
    options = AuthOptions(secret=SECRET, url="http://testserver", adapter=MemoryAdapter())
    app = FastAPI()
    AuthSession(app, options)
    with TestClient(app) as client:
        assert client.get("/api/auth/sessions").status_code == 400


def test_session_management_needs_an_adapter_that_can() -> None:
    with pytest.raises(ConfigurationError, match="adapter"):
        AuthOptions(secret=SECRET, session_management=SessionManagement())

    class Bare:
        async def get_user(self, id: str) -> None:
            return None

    with pytest.raises(ConfigurationError, match="list_sessions_of_user"):
        AuthOptions(secret=SECRET, session_management=SessionManagement(), adapter=Bare())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        SessionManagement(generation_cache_seconds=-1)


def test_a_flask_view_reads_a_revocable_jwt_session() -> None:
    """Flask runs a JWT read without an event loop when nothing on it can wait; a revocable read
    asks the adapter for the generation, so it must go through the bridge instead."""
    from flask import Flask

    from authsession.integrations.flask import AuthSession as FlaskAuth
    from authsession.integrations.flask import get_server_session as flask_session
    from authsession.testing import session_cookies

    class WaitingStore(MemoryAdapter):
        async def get_session_generation(self, user_id: str) -> int:
            await asyncio.sleep(0)  # a real store waits on its connection
            return await super().get_session_generation(user_id)

    adapter = WaitingStore()
    options = AuthOptions(
        secret=SECRET,
        adapter=adapter,
        session={"strategy": "jwt"},
        session_management=SessionManagement(revoke_jwt=True),
    )
    app = Flask(__name__)
    FlaskAuth(app, options)

    @app.get("/me")
    def me() -> Any:
        session = flask_session()
        return {"email": session["user"]["email"] if session else None}

    asyncio.run(adapter.bump_session_generation("ada"))  # tokens without a generation are now revoked
    with app.test_client() as client:
        old = session_cookies(options, {"id": "ada", "email": "ada@example.com"})
        for name, value in old.cookies.items():
            client.set_cookie(name, value)
        assert client.get("/me").get_json() == {"email": None}
        fresh = session_cookies(options, {"id": "ada", "email": "ada@example.com"}, claims={GENERATION_CLAIM: 1})
        for name, value in fresh.cookies.items():
            client.set_cookie(name, value)
        assert client.get("/me").get_json() == {"email": "ada@example.com"}
