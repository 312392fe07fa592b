"""``session.refresh_threshold``: a JWT read keeps a young, unchanged token instead of
re-encrypting it and setting the cookie again (protocol §5.1). ``0.1`` is the default; ``None``
rewrites on every read, as NextAuth does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from authsession import jwt
from authsession._core.handler import handle
from authsession.errors import ConfigurationError
from authsession.testing import session_cookies
from authsession.types import Format
from helpers import NOW, SECRET, USER, CoreClient, json_body, make_options, make_request, response_cookies

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
DAY = 24 * 60 * 60
THIRTY_DAYS = 30 * DAY
#: With a threshold of 0.1 and 30 days, a token is rewritten once it is 3 days old.
THRESHOLD = 0.1


def make_token(format: Format, claims: dict[str, Any] | None = None, *, max_age: int | None = None) -> str:
    """The token sign-in gives :data:`USER` (or a token of ``claims``) at :data:`NOW`."""
    options = make_options(format=format, jwt={"max_age": max_age})
    return session_cookies(options, USER if claims is None else None, claims=claims, now=NOW).value


def iso(timestamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def read(format: Format, token: str, *, at: float, **options: Any) -> Any:
    session = {"refresh_threshold": THRESHOLD, **options.pop("session", {})}
    request = make_request("GET", "session", cookies={SESSION[format]: token})
    return await handle(request, make_options(format=format, session=session, **options), now=at)


async def test_by_default_a_young_token_is_kept_and_an_old_one_slides(format: Format) -> None:
    token = make_token(format)
    request = make_request("GET", "session", cookies={SESSION[format]: token})
    options = make_options(format=format)
    young = await handle(request, options, now=NOW + DAY)
    assert json_body(young)["user"]["email"] == USER["email"]
    assert SESSION[format] not in response_cookies(young)
    # Read a minute before it ends, the session is still extended by the whole max_age.
    late = NOW + THIRTY_DAYS - 60
    extended = await handle(request, options, now=late)
    assert response_cookies(extended)[SESSION[format]].expires == late + THIRTY_DAYS
    assert json_body(extended)["expires"] == iso(late + THIRTY_DAYS)


async def test_a_young_token_is_kept_and_no_cookie_is_set(format: Format) -> None:
    token = make_token(format)
    response = await read(format, token, at=NOW + DAY)
    assert json_body(response)["user"]["email"] == USER["email"]
    assert SESSION[format] not in response_cookies(response)
    # The expiry reported is the cookie's real one: it did not slide.
    assert json_body(response)["expires"] == iso(NOW + THIRTY_DAYS)


async def test_a_token_past_the_threshold_is_refreshed(format: Format) -> None:
    token = make_token(format)
    later = NOW + 3 * DAY
    response = await read(format, token, at=later)
    cookie = response_cookies(response)[SESSION[format]]
    assert cookie.value != token
    assert cookie.expires == later + THIRTY_DAYS
    assert json_body(response)["expires"] == iso(later + THIRTY_DAYS)


async def test_none_refreshes_on_every_read_as_nextauth_does(format: Format) -> None:
    token = make_token(format)
    response = await read(format, token, at=NOW + 1, session={"refresh_threshold": None})
    assert response_cookies(response)[SESSION[format]].value != token
    assert json_body(response)["expires"] == iso(NOW + 1 + THIRTY_DAYS)


async def test_a_shorter_token_lifetime_sets_the_pace(format: Format) -> None:
    # A one-hour token in a 30-day session: 0.1 of the hour, not of the 30 days.
    token = make_token(format, max_age=3600)
    kept = await read(format, token, at=NOW + 300)
    assert SESSION[format] not in response_cookies(kept)
    assert json_body(kept)["expires"] == iso(NOW + 3600)
    refreshed = await read(format, token, at=NOW + 360)
    assert SESSION[format] in response_cookies(refreshed)


async def test_callbacks_and_the_session_event_run_on_every_read(format: Format) -> None:
    calls: list[str] = []

    def jwt_callback(token: dict[str, Any]) -> dict[str, Any]:
        calls.append("jwt")
        return token

    def session_callback(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        calls.append("session")
        return {**session, "role": "admin"}

    def on_session(**kwargs: Any) -> None:
        calls.append("event")

    response = await read(
        format,
        make_token(format),
        at=NOW + DAY,
        callbacks={"jwt": jwt_callback, "session": session_callback},
        events={"session": on_session},
    )
    assert calls == ["jwt", "session", "event"]
    assert json_body(response)["role"] == "admin"
    assert SESSION[format] not in response_cookies(response)


@pytest.mark.parametrize("how", ["new dict", "in place", "nested in place"])
async def test_a_token_the_jwt_callback_changes_is_written_at_once(format: Format, how: str) -> None:
    def jwt_callback(token: dict[str, Any]) -> dict[str, Any]:
        if how == "new dict":
            return {**token, "role": "admin"}
        if how == "in place":
            token["role"] = "admin"
        else:
            token["prefs"]["theme"] = "dark"
        return token

    token = make_token(format, {"sub": "1", "email": USER["email"], "prefs": {"theme": "light"}})
    response = await read(format, token, at=NOW + DAY, callbacks={"jwt": jwt_callback})
    cookie = response_cookies(response)[SESSION[format]]
    salt = "" if format == "v4" else SESSION[format]
    claims = jwt.decode(token=cookie.value, secret=SECRET, salt=salt, format=format, now=NOW + DAY)
    assert claims is not None
    if how == "nested in place":
        assert claims["prefs"] == {"theme": "dark"}
    else:
        assert claims["role"] == "admin"
    assert json_body(response)["expires"] == iso(NOW + DAY + THIRTY_DAYS)


async def test_a_token_the_session_callback_changes_is_written(format: Format) -> None:
    def session_callback(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        token["seen"] = True
        return session

    response = await read(format, make_token(format), at=NOW + DAY, callbacks={"session": session_callback})
    assert SESSION[format] in response_cookies(response)


async def test_an_update_is_always_written(format: Format) -> None:
    client = CoreClient(make_options(format=format, session={"refresh_threshold": THRESHOLD}))
    await client.sign_in()
    token = client.jar[SESSION[format]]  # type: ignore[index]
    assert SESSION[format] not in response_cookies(await client.request("GET", "session", now=NOW + 60))
    csrf = await client.csrf_token()
    response = await client.request("POST", "session", body={"csrfToken": csrf, "data": {}}, now=NOW + 120)
    assert response_cookies(response)[SESSION[format]].value != token


async def test_a_token_without_iat_is_refreshed(format: Format) -> None:
    # Tokens from a custom jwt.encode may lack iat/exp: nothing tells their age, so refresh.
    def decode(**kwargs: Any) -> dict[str, Any]:
        return {"sub": "1", "email": USER["email"]}

    def encode(**kwargs: Any) -> str:
        return "custom." + json.dumps(kwargs["token"], sort_keys=True)

    response = await read(format, "opaque", at=NOW + 1, jwt={"decode": decode, "encode": encode})
    assert response_cookies(response)[SESSION[format]].value.startswith("custom.")


async def test_a_kept_session_is_identical_to_a_refreshed_one_but_for_expires(format: Format) -> None:
    token = make_token(format)
    kept = json_body(await read(format, token, at=NOW + DAY))
    refreshed = json_body(await read(format, token, at=NOW + DAY, session={"refresh_threshold": None}))
    assert {**kept, "expires": None} == {**refreshed, "expires": None}


@pytest.mark.parametrize("value", [-0.1, 1, 1.5, "0.1", True, float("nan")])
def test_the_threshold_must_be_a_fraction_below_one(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="refresh_threshold"):
        make_options(session={"refresh_threshold": value})


@pytest.mark.parametrize("value", [None, 0, 0.0, 0.5, 0.99])
def test_accepted_thresholds(value: Any) -> None:
    assert make_options(session={"refresh_threshold": value}).session.refresh_threshold == value
