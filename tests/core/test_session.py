"""GET and POST ``/session`` with the JWT strategy: reading, refreshing, updating, callbacks and
events (protocol §1, §4.4, §5), and what happens to cookies that do not hold a usable token."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from authsession import jwt
from authsession._core.cookies import http_date
from authsession._core.handler import handle
from authsession.types import Format
from helpers import (
    DAY,
    EMPTY,
    NO_CACHE_JSON,
    NOW,
    REFRESH_AGE,
    SECRET,
    SESSION,
    THIRTY_DAYS,
    USER,
    CoreClient,
    json_body,
    make_options,
    make_request,
    response_cookies,
)

pytestmark = pytest.mark.usefixtures("clean_auth_env")

ADA_SESSION_USER = {"name": USER["name"], "email": USER["email"], "image": USER["image"]}


def salt(format: Format, secure: bool = False) -> str:
    return "" if format == "v4" else ("__Secure-" if secure else "") + SESSION[format]


def decode(format: Format, value: str, now: float) -> dict[str, Any]:
    claims = jwt.decode(token=value, secret=SECRET, salt=salt(format), format=format, now=now)
    assert claims is not None
    return claims


def make_token(format: Format, claims: dict[str, Any] | None = None, **kwargs: Any) -> str:
    params: dict[str, Any] = {"secret": SECRET, "salt": salt(format), "format": format, "now": NOW}
    params.update(kwargs)
    default = {"name": USER["name"], "email": USER["email"], "picture": USER["image"], "sub": USER["id"]}
    return jwt.encode(token=default if claims is None else claims, **params)


def iso(timestamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- GET /session ------------------------------------------------------------------------------------------


async def test_no_cookie_is_an_empty_session(format: Format) -> None:
    response = await handle(make_request("GET", "session"), make_options(format=format), now=NOW)
    assert response.status == 200
    assert response.headers == NO_CACHE_JSON
    assert json_body(response) == EMPTY[format]
    assert response.body == ("{}" if format == "v4" else "null")
    assert not any(c.name.startswith(SESSION[format]) for c in response.cookies)


async def test_valid_cookie_gives_the_session_and_refreshes_it(format: Format) -> None:
    old = make_token(format)
    later = NOW + REFRESH_AGE  # old enough to be re-encrypted (refresh_threshold)
    request = make_request("GET", "session", cookies={SESSION[format]: old})
    response = await handle(request, make_options(format=format), now=later)
    assert response.status == 200
    assert response.headers == NO_CACHE_JSON
    assert json_body(response) == {"user": ADA_SESSION_USER, "expires": iso(later + THIRTY_DAYS)}
    assert json_body(response)["expires"].endswith(".000Z")
    cookie = response_cookies(response)[SESSION[format]]
    assert cookie.value != old
    assert cookie.expires == later + THIRTY_DAYS
    assert f"; Expires={http_date(later + THIRTY_DAYS)}; " in cookie.serialize()
    assert "Max-Age" not in cookie.serialize()
    claims = decode(format, cookie.value, later)
    assert claims["iat"] == int(later)
    assert claims["exp"] == int(later) + THIRTY_DAYS
    assert claims["jti"] != decode(format, old, later)["jti"]
    assert claims["sub"] == USER["id"]


async def test_session_slides_on_every_read(client: CoreClient) -> None:
    await client.sign_in()
    for step in range(1, 4):
        client.now = NOW + step * 20 * DAY  # each read is within the previous token's 30 days
        assert (await client.session())["expires"] == iso(client.now + THIRTY_DAYS)


async def test_session_without_name_or_picture(format: Format) -> None:
    token = make_token(format, {"sub": "u", "email": "e@x.com"})
    response = await handle(
        make_request("GET", "session", cookies={SESSION[format]: token}), make_options(format=format), now=NOW
    )
    assert json_body(response)["user"] == {"email": "e@x.com"}


# --- bad cookies ---------------------------------------------------------------------------------------------


def tamper(token: str) -> str:
    parts = token.split(".")
    ciphertext = bytearray(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    ciphertext[len(ciphertext) // 2] ^= 1
    parts[3] = base64.urlsafe_b64encode(bytes(ciphertext)).decode().rstrip("=")
    return ".".join(parts)


def bad_tokens(format: Format) -> dict[str, str]:
    good = make_token(format)
    other: Format = "v5" if format == "v4" else "v4"
    return {
        "tampered ciphertext": tamper(good),
        "tampered tag": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "truncated": good[: len(good) // 2],
        "one part dropped": good.rsplit(".", 1)[0],
        "expired": make_token(format, now=NOW - THIRTY_DAYS - 16),
        "not yet valid": make_token(format, {"sub": "u", "nbf": NOW + 3600}),
        "wrong secret": make_token(format, secret="another secret"),
        "other format": make_token(other, salt=salt(other)),
        "wrong salt": make_token(format, salt="something else"),
        "garbage": "garbage",
        "five dots": "....",
        "non-ascii": "日本語.テスト",
        "latin-1 bytes": "\xff\xfe\xfd",
        "percent junk": "%E0%A4%A",
        "json": '{"sub":"u"}',
        "huge": "A" * 20000,
        "unsigned jwt": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.",
    }


@pytest.mark.parametrize(
    "case",
    [
        "tampered ciphertext",
        "tampered tag",
        "truncated",
        "one part dropped",
        "expired",
        "not yet valid",
        "wrong secret",
        "other format",
        "wrong salt",
        "garbage",
        "five dots",
        "non-ascii",
        "latin-1 bytes",
        "percent junk",
        "json",
        "huge",
        "unsigned jwt",
    ],
)
async def test_unusable_cookie_is_an_empty_session_and_cleared(
    format: Format, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    value = bad_tokens(format)[case]
    request = make_request("GET", "session", cookies={SESSION[format]: value})
    with caplog.at_level(logging.DEBUG, logger="authsession"):
        response = await handle(request, make_options(format=format), now=NOW)
    assert response.status == 200
    assert json_body(response) == EMPTY[format]
    cleared = response_cookies(response)[SESSION[format]]
    assert (cleared.value, cleared.max_age) == ("", 0)
    assert cleared.serialize() == f"{SESSION[format]}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    assert any(r.name == "authsession" for r in caplog.records)
    assert all(value not in r.getMessage() for r in caplog.records if len(value) > 8)


async def test_expiry_has_fifteen_seconds_of_tolerance(format: Format) -> None:
    token = make_token(format)  # iat NOW, exp NOW + 30 days
    options = make_options(format=format)
    exp = NOW + THIRTY_DAYS
    inside = await handle(make_request("GET", "session", cookies={SESSION[format]: token}), options, now=exp + 14)
    assert json_body(inside) != EMPTY[format]
    outside = await handle(make_request("GET", "session", cookies={SESSION[format]: token}), options, now=exp + 15)
    assert json_body(outside) == EMPTY[format]


@pytest.mark.parametrize("format", ["v5"], indirect=True)  # v4 session tokens are not salted
async def test_token_made_for_https_does_not_open_over_http(format: Format) -> None:
    token = make_token(format, salt=salt(format, secure=True))
    response = await handle(
        make_request("GET", "session", cookies={SESSION[format]: token}), make_options(format=format), now=NOW
    )
    assert json_body(response) is None


async def test_bad_cookie_with_other_cookies_present(format: Format) -> None:
    cookies = {SESSION[format]: "garbage", "unrelated": "keep", f"other-{SESSION[format]}": "keep"}
    response = await handle(make_request("GET", "session", cookies=cookies), make_options(format=format), now=NOW)
    assert {c.name for c in response.cookies if c.max_age == 0} == {SESSION[format]}


# --- POST /session (update) -------------------------------------------------------------------------------


async def test_update_needs_csrf(client: CoreClient, format: Format) -> None:
    await client.sign_in()
    response = await client.request("POST", "session", body={"data": {"name": "Grace"}})
    assert response.status == 400
    assert response.body == ("{}" if format == "v4" else "null")
    assert not any(c.name.startswith(SESSION[format]) for c in response.cookies)


async def test_update_runs_the_jwt_callback_with_trigger_update(format: Format) -> None:
    calls: list[dict[str, Any]] = []

    def jwt_callback(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        token: dict[str, Any] = kwargs["token"]
        if kwargs.get("trigger") == "update":
            token["name"] = kwargs["session"]["name"]
        return token

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback}))
    await client.sign_in()
    calls.clear()
    token = await client.csrf_token()
    response = await client.request("POST", "session", body={"csrfToken": token, "data": {"name": "Grace"}})
    assert response.status == 200
    assert response.headers == {"Content-Type": "application/json"}
    assert len(calls) == 1
    assert calls[0]["trigger"] == "update"
    assert calls[0]["session"] == {"name": "Grace"}
    assert set(calls[0]) == {"token", "session", "trigger"}
    body = json_body(response)
    # next-auth 4 builds session.user from the token as decoded, before the jwt callback.
    assert body["user"]["name"] == ("Ada Lovelace" if format == "v4" else "Grace")
    assert (await client.session())["user"]["name"] == "Grace"
    assert decode(format, (client.jar or {})[SESSION[format]], NOW)["name"] == "Grace"


async def test_update_without_a_session(client: CoreClient, format: Format) -> None:
    response = await client.request("POST", "session", body={"csrfToken": await client.csrf_token(), "data": {}})
    assert response.status == 200
    assert json_body(response) == EMPTY[format]


# --- callbacks ----------------------------------------------------------------------------------------------


async def test_jwt_callback_arguments_at_sign_in_and_read(format: Format) -> None:
    calls: list[dict[str, Any]] = []

    def jwt_callback(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return kwargs["token"]

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback}))
    await client.sign_in()
    assert len(calls) == 1
    sign_in = calls[0]
    assert sign_in["token"] == {"name": USER["name"], "email": USER["email"], "picture": USER["image"], "sub": "user-1"}
    assert sign_in["user"] == USER
    assert sign_in["account"] == {"providerAccountId": "user-1", "type": "credentials", "provider": "credentials"}
    assert sign_in.get("profile") is None
    assert sign_in["trigger"] == "signIn"
    assert sign_in["is_new_user"] is False

    calls.clear()
    await client.session()
    assert len(calls) == 1
    read = calls[0]
    assert set(read) == {"token", "session"}
    assert read["session"] is None
    assert read["token"]["sub"] == "user-1"
    assert {"iat", "exp", "jti"} <= set(read["token"])


async def test_jwt_callback_can_add_claims(format: Format) -> None:
    def jwt_callback(token: dict[str, Any], user: Any = None) -> dict[str, Any]:
        if user:
            token["role"] = "admin"
        return token

    def session_callback(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        session["role"] = token["role"]
        session["user"]["id"] = token["sub"]
        return session

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback, "session": session_callback}))
    await client.sign_in()
    session = await client.session()
    assert session["role"] == "admin"
    assert session["user"]["id"] == "user-1"
    assert set(session) == {"user", "expires", "role"}


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_sync_and_async_callbacks(format: Format, style: str) -> None:
    def sync_session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**session, "style": "sync"}

    async def async_session(session: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        return {**session, "style": "async"}

    def sync_jwt(token: dict[str, Any]) -> dict[str, Any]:
        return {**token, "jwt": "sync"}

    async def async_jwt(token: dict[str, Any]) -> dict[str, Any]:
        return {**token, "jwt": "async"}

    callbacks: dict[str, Any] = (
        {"session": sync_session, "jwt": sync_jwt} if style == "sync" else {"session": async_session, "jwt": async_jwt}
    )
    client = CoreClient(make_options(format=format, callbacks=callbacks))
    await client.sign_in()
    assert (await client.session())["style"] == style
    assert decode(format, (client.jar or {})[SESSION[format]], NOW)["jwt"] == style


async def test_jwt_callback_returning_none_at_read_signs_out(format: Format) -> None:
    state = {"allow": True}

    def jwt_callback(token: dict[str, Any]) -> dict[str, Any] | None:
        return token if state["allow"] else None

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback}))
    await client.sign_in()
    assert client.session_cookie_names() == [SESSION[format]]
    state["allow"] = False
    response = await client.request("GET", "session")
    assert json_body(response) == EMPTY[format]
    assert response_cookies(response)[SESSION[format]].max_age == 0
    assert client.session_cookie_names() == []


async def test_jwt_callback_returning_none_at_sign_in_sets_no_session(format: Format) -> None:
    client = CoreClient(make_options(format=format, callbacks={"jwt": lambda token: None}))
    response = await client.sign_in()
    assert response.status == 302
    assert client.session_cookie_names() == []


@pytest.mark.parametrize("which", ["jwt", "session"])
async def test_raising_callbacks_give_no_session_and_no_500(
    format: Format, which: str, caplog: pytest.LogCaptureFixture
) -> None:
    state = {"fail": False}

    def callback(**kwargs: Any) -> Any:
        if state["fail"]:
            raise RuntimeError("callback broke")
        return kwargs["token"] if which == "jwt" else kwargs["session"]

    client = CoreClient(make_options(format=format, callbacks={which: callback}))
    await client.sign_in()
    state["fail"] = True
    with caplog.at_level(logging.ERROR, logger="authsession"):
        response = await client.request("GET", "session")
    assert response.status == 200
    assert json_body(response) == EMPTY[format]
    assert response_cookies(response)[SESSION[format]].max_age == 0
    assert client.session_cookie_names() == []
    assert any(r.name == "authsession" and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("result", ["not a dict", ["list"], 42])
async def test_jwt_callback_returning_a_non_dict_gives_no_session(format: Format, result: object) -> None:
    state = {"fail": False}

    def jwt_callback(token: dict[str, Any]) -> Any:
        return result if state["fail"] else token

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt_callback}))
    await client.sign_in()
    state["fail"] = True
    response = await client.request("GET", "session")
    assert response.status == 200
    assert json_body(response) == EMPTY[format]
    assert client.session_cookie_names() == []


# --- events ---------------------------------------------------------------------------------------------------


async def test_session_and_sign_in_events(format: Format) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def on_sign_in(**kwargs: Any) -> None:
        seen.append(("sign_in", kwargs))

    def on_session(session: Any, token: Any) -> None:
        seen.append(("session", {"session": session, "token": token}))

    client = CoreClient(make_options(format=format, events={"sign_in": on_sign_in, "session": on_session}))
    await client.sign_in()
    assert [name for name, _ in seen] == ["sign_in"]
    assert seen[0][1]["user"] == USER
    assert seen[0][1]["account"]["provider"] == "credentials"
    assert seen[0][1]["is_new_user"] is False
    session = await client.session()
    assert seen[1][0] == "session"
    assert seen[1][1]["session"] == session
    assert seen[1][1]["token"]["sub"] == "user-1"


async def test_event_errors_are_swallowed(format: Format, caplog: pytest.LogCaptureFixture) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("event broke")

    events = {"sign_in": broken, "session": broken, "sign_out": broken}
    client = CoreClient(make_options(format=format, events=events))
    with caplog.at_level(logging.ERROR, logger="authsession"):
        signed_in = await client.sign_in()
        session = await client.session()
        signed_out = await client.request("POST", "signout", body={"csrfToken": await client.csrf_token()})
    assert signed_in.status == 302
    assert session["user"]["name"] == "Ada Lovelace"
    assert signed_out.status == 302
    assert client.session_cookie_names() == []
    assert sum("event broke" in (r.exc_text or "") or r.exc_info is not None for r in caplog.records) >= 3


# --- token lifetimes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session_max_age", "jwt_max_age"),
    [(None, None), (3600, None), (3600, 7200), (None, 600)],
)
async def test_token_lifetimes(format: Format, session_max_age: int | None, jwt_max_age: int | None) -> None:
    options: dict[str, Any] = {"format": format}
    if session_max_age is not None:
        options["session"] = {"max_age": session_max_age}
    if jwt_max_age is not None:
        options["jwt"] = {"max_age": jwt_max_age}
    client = CoreClient(make_options(**options))
    response = await client.sign_in()
    session_age = session_max_age or THIRTY_DAYS
    if format == "v4":
        # next-auth 4: sign-in uses jwt.maxAge (30 days unless set); reads use session.maxAge.
        sign_in_age = jwt_max_age or THIRTY_DAYS
        read_age = session_age
    else:
        sign_in_age = read_age = jwt_max_age or session_age
    cookie = response_cookies(response)[SESSION[format]]
    claims = decode(format, cookie.value, NOW)
    assert claims["exp"] - claims["iat"] == sign_in_age
    assert cookie.expires == NOW + session_age

    # Half the token's life later: past refresh_threshold, so the read re-encrypts it.
    client.now = later = NOW + min(sign_in_age, session_age) // 2
    read = await client.request("GET", "session")
    refreshed = response_cookies(read)[SESSION[format]]
    claims = decode(format, refreshed.value, later)
    assert claims["exp"] - claims["iat"] == read_age
    assert refreshed.expires == later + session_age
    assert json_body(read)["expires"] == iso(later + session_age)


# --- custom encode/decode -----------------------------------------------------------------------------------


async def test_custom_jwt_encode_and_decode(format: Format) -> None:
    seen: dict[str, Any] = {}

    def encode(token: dict[str, Any], secret: Any, salt: str, max_age: int) -> str:
        seen["encode"] = {"secret": secret, "salt": salt, "max_age": max_age}
        return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()

    def decode_(token: str, secret: Any, salt: str) -> dict[str, Any]:
        seen["decode"] = {"secret": secret, "salt": salt}
        result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token))
        return result

    client = CoreClient(make_options(format=format, jwt={"encode": encode, "decode": decode_}))
    await client.sign_in()
    assert (await client.session())["user"]["name"] == "Ada Lovelace"
    assert seen["encode"]["secret"] == SECRET
    assert seen["encode"]["salt"] == salt(format)
    assert seen["decode"]["salt"] == salt(format)
