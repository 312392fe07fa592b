"""The database session strategy (protocol §5.1): the cookie names a row, a read costs one
``get_session_and_user``, the row is extended at most once per ``update_age``, and sign-in,
sign-out, expiry and a failing store do to the row and the cookie what NextAuth does."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from authsession import AuthOptions, get_server_session
from authsession._core.cookies import http_date
from authsession._core.server_session import get_session
from authsession.adapters.memory import MemoryAdapter
from authsession.errors import UnsupportedStrategy
from authsession.providers import Email
from authsession.testing import asession_cookies
from authsession.types import AdapterSession
from helpers import (
    DAY,
    EMPTY,
    NO_CACHE_JSON,
    NOW,
    ORIGIN,
    SESSION,
    THIRTY_DAYS,
    USER,
    CoreClient,
    FakeClock,
    json_body,
    make_credentials,
    make_options,
    make_request,
    response_cookies,
)

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ADA = {"name": USER["name"], "email": USER["email"], "image": USER["image"]}


class RecordingAdapter:
    """A :class:`MemoryAdapter` that records every call and can play a store that is down."""

    def __init__(self) -> None:
        self.inner = MemoryAdapter()
        self.calls: list[str] = []
        self.down = False

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.inner, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if self.down:
                raise ConnectionError("the session store is down")
            return await method(*args, **kwargs)

        return recorded

    def count(self, name: str) -> int:
        return self.calls.count(name)


def at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def iso(timestamp: float) -> str:
    return at(timestamp).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def no_mail(**_: Any) -> None:
    """An email sender for options that need a second provider beside credentials."""


def db_options(format: str, adapter: Any, **overrides: Any) -> AuthOptions:
    """Credentials (authorize returns :data:`USER`) plus Email, so the database strategy is allowed."""
    params: dict[str, Any] = {
        "format": format,
        "adapter": adapter,
        "providers": [make_credentials(), Email(send_verification_request=no_mail)],
        "session": {"strategy": "database"},
        "url": ORIGIN,  # email sign-in needs the site's URL
    }
    params.update(overrides)
    return make_options(**params)


@pytest.fixture
def adapter() -> RecordingAdapter:
    recording = RecordingAdapter()
    recording.inner.users[USER["id"]] = {**USER, "emailVerified": None}  # type: ignore[typeddict-item]
    return recording


@pytest.fixture
def browser(format: str, adapter: RecordingAdapter) -> CoreClient:
    return CoreClient(db_options(format, adapter))


def only_row(adapter: RecordingAdapter) -> AdapterSession:
    assert len(adapter.inner.sessions) == 1
    return next(iter(adapter.inner.sessions.values()))


# --- sign-in and reads ------------------------------------------------------------------------------------


async def test_sign_in_creates_a_row_and_a_cookie_holding_its_token(
    browser: CoreClient, adapter: RecordingAdapter, format: str
) -> None:
    response = await browser.sign_in(callbackUrl="/home")
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/home"
    row = only_row(adapter)
    assert row["userId"] == USER["id"]
    assert row["expires"] == at(NOW + THIRTY_DAYS)
    assert uuid.UUID(row["sessionToken"]).version == 4
    cookie = response_cookies(response)[SESSION[format]]
    assert cookie.value == row["sessionToken"]
    assert cookie.expires == NOW + THIRTY_DAYS
    serialized = cookie.serialize()
    assert f"; Expires={http_date(NOW + THIRTY_DAYS)}; " in serialized
    assert "Max-Age" not in serialized
    assert "HttpOnly" in serialized
    assert browser.session_cookie_names() == [SESSION[format]]


async def test_read_answers_the_user_and_the_stored_expiry(
    browser: CoreClient, adapter: RecordingAdapter, format: str
) -> None:
    await browser.sign_in()
    browser.now = NOW + 60
    response = await browser.request("GET", "session")
    assert response.status == 200
    assert response.headers == NO_CACHE_JSON
    assert json_body(response) == {"user": ADA, "expires": iso(NOW + THIRTY_DAYS)}
    cookie = response_cookies(response)[SESSION[format]]
    assert cookie.value == only_row(adapter)["sessionToken"]
    assert cookie.expires == NOW + 60 + THIRTY_DAYS
    assert "Max-Age" not in cookie.serialize()


async def test_one_query_per_read_and_a_write_only_once_update_age_passed(
    browser: CoreClient, adapter: RecordingAdapter, format: str
) -> None:
    await browser.sign_in()
    adapter.calls.clear()

    async def read_at(moment: float) -> tuple[Any, float | None]:
        adapter.calls.clear()
        browser.now = moment
        response = await browser.request("GET", "session")
        assert adapter.count("get_session_and_user") == 1
        return json_body(response), response_cookies(response)[SESSION[format]].expires

    # just before update_age (one day): read only
    body, cookie_expires = await read_at(NOW + DAY - 1)
    assert adapter.calls == ["get_session_and_user"]
    assert body["expires"] == iso(NOW + THIRTY_DAYS)
    assert cookie_expires == NOW + DAY - 1 + THIRTY_DAYS

    # update_age reached: one write; the body still shows the expiry read from the database
    body, cookie_expires = await read_at(NOW + DAY)
    assert adapter.calls == ["get_session_and_user", "update_session"]
    assert body["expires"] == iso(NOW + THIRTY_DAYS)
    assert only_row(adapter)["expires"] == at(NOW + DAY + THIRTY_DAYS)
    assert cookie_expires == NOW + DAY + THIRTY_DAYS

    # right after the write: read only again, and now the new expiry shows
    body, cookie_expires = await read_at(NOW + DAY + 60)
    assert adapter.calls == ["get_session_and_user"]
    assert body["expires"] == iso(NOW + DAY + THIRTY_DAYS)
    assert cookie_expires == NOW + DAY + 60 + THIRTY_DAYS


async def test_update_age_and_max_age_options_are_used(format: str, adapter: RecordingAdapter) -> None:
    options = db_options(format, adapter, session={"strategy": "database", "max_age": 3600, "update_age": 600})
    browser = CoreClient(options)
    await browser.sign_in()
    assert only_row(adapter)["expires"] == at(NOW + 3600)
    adapter.calls.clear()
    browser.now = NOW + 599
    await browser.session()
    assert adapter.count("update_session") == 0
    browser.now = NOW + 600
    assert (await browser.session())["expires"] == iso(NOW + 3600)
    assert adapter.count("update_session") == 1
    assert only_row(adapter)["expires"] == at(NOW + 600 + 3600)


async def test_an_expired_session_is_deleted_on_read_and_its_cookie_cleared(
    browser: CoreClient, adapter: RecordingAdapter, format: str
) -> None:
    await browser.sign_in()
    token = only_row(adapter)["sessionToken"]
    adapter.calls.clear()
    browser.now = NOW + THIRTY_DAYS + 1
    response = await browser.request("GET", "session")
    assert json_body(response) == EMPTY[format]
    assert adapter.calls == ["get_session_and_user", "delete_session"]
    assert token not in adapter.inner.sessions
    cleared = response_cookies(response)[SESSION[format]]
    assert (cleared.value, cleared.max_age) == ("", 0)
    assert browser.session_cookie_names() == []


async def test_an_unknown_token_clears_the_cookie(format: str, adapter: RecordingAdapter) -> None:
    browser = CoreClient(db_options(format, adapter), jar={SESSION[format]: "no-such-token"})
    response = await browser.request("GET", "session")
    assert json_body(response) == EMPTY[format]
    cleared = response_cookies(response)[SESSION[format]]
    assert (cleared.value, cleared.max_age) == ("", 0)
    assert adapter.calls == ["get_session_and_user"]


async def test_no_cookie_costs_no_query(browser: CoreClient, adapter: RecordingAdapter, format: str) -> None:
    response = await browser.request("GET", "session")
    assert json_body(response) == EMPTY[format]
    assert adapter.calls == []


async def test_a_session_row_written_by_another_app_is_read(format: str, adapter: RecordingAdapter) -> None:
    # e.g. a Next.js app sharing the database: the row is all there is, the cookie just names it.
    token = str(uuid.uuid4())
    await adapter.inner.create_session({"sessionToken": token, "userId": USER["id"], "expires": at(NOW + 3 * DAY)})
    browser = CoreClient(db_options(format, adapter), jar={SESSION[format]: token})
    assert await browser.session() == {"user": ADA, "expires": iso(NOW + 3 * DAY)}


async def test_a_session_that_expires_this_instant_is_over(format: str, adapter: RecordingAdapter) -> None:
    """Auth.js and next-auth end a session when ``expires < now``; authsession when ``expires <= now``."""
    token = str(uuid.uuid4())
    await adapter.inner.create_session({"sessionToken": token, "userId": USER["id"], "expires": at(NOW)})
    browser = CoreClient(db_options(format, adapter), jar={SESSION[format]: token})
    response = await browser.request("GET", "session")
    assert json_body(response) == EMPTY[format]
    assert token not in adapter.inner.sessions
    # A microsecond later the same row is a session.
    await adapter.inner.create_session({"sessionToken": token, "userId": USER["id"], "expires": at(NOW + 1e-6)})
    browser.jar = {SESSION[format]: token}
    assert json_body(await browser.request("GET", "session"))["user"] == ADA


# --- sign-out and fixation -------------------------------------------------------------------------------


async def test_sign_out_deletes_the_row_and_fires_the_event(format: str, adapter: RecordingAdapter) -> None:
    signed_out: list[dict[str, Any]] = []

    def on_sign_out(**kwargs: Any) -> None:
        signed_out.append(kwargs)

    browser = CoreClient(db_options(format, adapter, events={"sign_out": on_sign_out}))
    await browser.sign_in()
    row = only_row(adapter)
    response = await browser.request(
        "POST", "signout", body={"csrfToken": await browser.csrf_token(), "callbackUrl": "/bye"}
    )
    assert response.status == 302
    assert response.redirect == f"{ORIGIN}/bye"
    assert adapter.inner.sessions == {}
    assert signed_out == [{"session": row}]
    cleared = response_cookies(response)[SESSION[format]]
    assert (cleared.value, cleared.max_age) == ("", 0)
    assert await browser.session() == EMPTY[format]


async def test_a_signed_out_token_is_worth_nothing(browser: CoreClient, adapter: RecordingAdapter, format: str) -> None:
    await browser.sign_in()
    token = only_row(adapter)["sessionToken"]
    await browser.request("POST", "signout", body={"csrfToken": await browser.csrf_token()})
    replay = CoreClient(browser.options, jar={SESSION[format]: token})
    assert await replay.session() == EMPTY[format]


async def test_every_sign_in_gets_a_new_token_and_drops_the_old_row(
    browser: CoreClient, adapter: RecordingAdapter, format: str
) -> None:
    await browser.sign_in()
    first = only_row(adapter)["sessionToken"]
    await browser.sign_in()
    second = only_row(adapter)["sessionToken"]
    assert second != first
    assert browser.jar is not None
    assert browser.jar[SESSION[format]] == second


async def test_a_planted_token_is_not_kept_at_sign_in(format: str, adapter: RecordingAdapter) -> None:
    # Session fixation: the attacker gets a token of their own into the victim's browser.
    await adapter.inner.create_user({"id": "mallory", "email": "mallory@example.com", "emailVerified": None})
    planted = str(uuid.uuid4())
    await adapter.inner.create_session({"sessionToken": planted, "userId": "mallory", "expires": at(NOW + DAY)})
    victim = CoreClient(db_options(format, adapter), jar={SESSION[format]: planted})
    await victim.sign_in()
    assert planted not in adapter.inner.sessions
    assert victim.jar is not None
    assert victim.jar[SESSION[format]] != planted
    attacker = CoreClient(victim.options, jar={SESSION[format]: planted})
    assert await attacker.session() == EMPTY[format]
    assert (await victim.session())["user"] == ADA


# --- callbacks and events --------------------------------------------------------------------------------


async def test_session_callback_gets_the_user_and_the_update(format: str, adapter: RecordingAdapter) -> None:
    seen: list[dict[str, Any]] = []

    def session(**kwargs: Any) -> dict[str, Any]:
        seen.append(kwargs)
        return {**kwargs["session"], "userId": kwargs["user"]["id"]}

    browser = CoreClient(db_options(format, adapter, callbacks={"session": session}))
    await browser.sign_in()

    body = await browser.session()
    assert body == {"user": ADA, "expires": iso(NOW + THIRTY_DAYS), "userId": USER["id"]}
    (read,) = seen
    assert set(read) == {"session", "user", "new_session"}
    assert read["user"]["id"] == USER["id"]
    assert read["user"]["email"] == USER["email"]
    assert read["new_session"] is None
    assert read["session"] == {"user": ADA, "expires": iso(NOW + THIRTY_DAYS)}

    seen.clear()
    response = await browser.request(
        "POST", "session", body={"csrfToken": await browser.csrf_token(), "data": {"theme": "dark"}}
    )
    assert response.status == 200
    assert json_body(response)["userId"] == USER["id"]
    (update,) = seen
    assert update["trigger"] == "update"
    assert update["new_session"] == {"theme": "dark"}


async def test_session_event_gets_what_the_callback_returned(format: str, adapter: RecordingAdapter) -> None:
    events: list[dict[str, Any]] = []

    def on_session(**kwargs: Any) -> None:
        events.append(kwargs)

    browser = CoreClient(
        db_options(
            format,
            adapter,
            callbacks={"session": lambda session: {**session, "extra": 1}},
            events={"session": on_session},
        )
    )
    await browser.sign_in()
    await browser.session()
    assert [e["session"] for e in events] == [{"user": ADA, "expires": iso(NOW + THIRTY_DAYS), "extra": 1}]


# --- a failing store -------------------------------------------------------------------------------------


async def test_a_store_outage_answers_no_session_and_keeps_the_cookie(
    browser: CoreClient, adapter: RecordingAdapter, format: str, caplog: pytest.LogCaptureFixture
) -> None:
    await browser.sign_in()
    token = only_row(adapter)["sessionToken"]
    adapter.down = True
    with caplog.at_level(logging.ERROR, logger="authsession"):
        response = await browser.request("GET", "session")
    assert response.status == 200
    assert json_body(response) == EMPTY[format]
    assert SESSION[format] not in response_cookies(response)
    assert browser.jar is not None
    assert browser.jar[SESSION[format]] == token
    errors = [r for r in caplog.records if r.name == "authsession" and r.levelno == logging.ERROR]
    assert errors
    assert "SESSION_ERROR" in errors[0].getMessage()
    assert errors[0].exc_info is not None

    adapter.down = False
    assert (await browser.session())["user"] == ADA


async def test_a_store_outage_in_server_code(
    format: str, adapter: RecordingAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    options = db_options(format, adapter)
    signed_in = await asession_cookies(options, USER, now=NOW)
    request = make_request("GET", "/dashboard", cookies=dict(signed_in.cookies))

    adapter.down = True
    with caplog.at_level(logging.ERROR, logger="authsession"):
        session, cookies = await get_session(request, options, now=NOW)
    assert session is None
    assert not any(c.name == SESSION[format] for c in cookies)
    assert any("SESSION_ERROR" in r.getMessage() for r in caplog.records)

    adapter.down = False
    session, cookies = await get_session(request, options, now=NOW)
    assert session is not None
    assert session["user"] == ADA


def test_a_store_outage_through_get_server_session(format: str, adapter: RecordingAdapter) -> None:
    clock = FakeClock()
    options = db_options(format, adapter, clock=clock)
    token = str(uuid.uuid4())
    adapter.inner.sessions[token] = {"sessionToken": token, "userId": USER["id"], "expires": at(NOW + DAY)}
    app = FastAPI()

    @app.get("/me")
    async def me(request: Request, response: Response) -> Any:
        return await get_server_session(request, response, options)

    with TestClient(app) as client:
        client.cookies.set(SESSION[format], token)
        adapter.down = True
        response = client.get("/me")
        assert response.status_code == 200
        assert response.json() is None
        assert not any(SESSION[format] in h for h in response.headers.get_list("set-cookie"))

        adapter.down = False
        response = client.get("/me")
        assert response.json()["user"] == ADA
        session_cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION[format]))
        assert f"Expires={http_date(NOW + THIRTY_DAYS)}" in session_cookie
        assert "Max-Age" not in session_cookie


async def test_a_store_outage_at_sign_in_gives_no_session(
    browser: CoreClient, adapter: RecordingAdapter, format: str
) -> None:
    adapter.down = True
    response = await browser.sign_in()
    assert browser.session_cookie_names() == []
    if format == "v4":
        assert response.status == 500
    else:
        assert response.redirect == f"{ORIGIN}/api/auth/error?error=Configuration"
    adapter.down = False
    assert adapter.inner.sessions == {}


# --- credentials with the database strategy --------------------------------------------------------------


async def test_credentials_sign_in_needs_the_user_in_the_adapter(format: str, caplog: pytest.LogCaptureFixture) -> None:
    adapter = RecordingAdapter()  # authorize returns user-1, whom the adapter does not know
    browser = CoreClient(db_options(format, adapter))
    with caplog.at_level(logging.ERROR, logger="authsession"):
        response = await browser.sign_in()
    if format == "v4":
        assert response.status == 500
        assert "server configuration" in json_body(response)["message"]
    else:
        assert response.status == 302
        assert response.redirect == f"{ORIGIN}/api/auth/error?error=Configuration"
    assert adapter.inner.sessions == {}
    assert browser.session_cookie_names() == []
    assert any("stored by the adapter" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("session", [None, {"strategy": "database"}])
def test_credentials_only_with_the_database_strategy_is_refused(format: str, session: Any) -> None:
    with pytest.raises(UnsupportedStrategy, match="jwt"):
        make_options(format=format, adapter=MemoryAdapter(), session=session)


def test_credentials_only_with_an_adapter_and_jwt_is_fine(format: str) -> None:
    options = make_options(format=format, adapter=MemoryAdapter(), session={"strategy": "jwt"})
    assert options.session.strategy == "jwt"


def test_an_adapter_makes_database_the_default(format: str) -> None:
    options = make_options(
        format=format,
        adapter=MemoryAdapter(),
        providers=[make_credentials(), Email(send_verification_request=no_mail)],
        url=ORIGIN,
    )
    assert options.session.strategy == "database"


async def test_sign_out_clears_the_cookie_even_when_the_store_is_down(caplog: pytest.LogCaptureFixture) -> None:
    adapter = MemoryAdapter()
    options = make_options(format="v5", adapter=adapter, session={"strategy": "database"}, providers=[])
    signed_in = await asession_cookies(options, {"id": "u1", "email": "a@example.com"}, now=NOW)

    async def down(session_token: str) -> None:
        raise ConnectionError("database is down")

    adapter.delete_session = down  # type: ignore[method-assign]
    client = CoreClient(options)
    csrf = await client.csrf_token()
    assert client.jar is not None
    client.jar.update(signed_in.cookies)
    response = await client.request("POST", "signout", body={"csrfToken": csrf})
    assert response.status == 302
    cleared = [c for c in response.cookies if c.name == "authjs.session-token"]
    assert cleared
    assert cleared[0].max_age == 0
    assert any("SIGNOUT_ERROR" in r.getMessage() for r in caplog.records)
