"""Cookie names, attributes, serialisation and session-cookie chunking, protocol §2."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authsession import jwt
from authsession._core.cookies import (
    chunk_cookies,
    chunk_size,
    cookie_names,
    encode_uri_component,
    expire_cookie,
    http_date,
    parse_cookie_header,
    read_chunks,
    serialize_cookie,
)
from authsession._core.handler import handle
from authsession._core.http import Cookie
from authsession.types import Format
from helpers import NOW, SECRET, CoreClient, json_body, make_options, make_request, response_cookies

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
THIRTY_DAYS = 30 * 24 * 60 * 60


# --- names -------------------------------------------------------------------------------------------


def test_v4_names() -> None:
    plain = cookie_names("v4", secure=False)
    assert (plain.session_token, plain.callback_url, plain.csrf_token) == (
        "next-auth.session-token",
        "next-auth.callback-url",
        "next-auth.csrf-token",
    )
    assert (plain.pkce_code_verifier, plain.state, plain.nonce) == (
        "next-auth.pkce.code_verifier",
        "next-auth.state",
        "next-auth.nonce",
    )
    secure = cookie_names("v4", secure=True)
    assert (secure.session_token, secure.callback_url, secure.csrf_token) == (
        "__Secure-next-auth.session-token",
        "__Secure-next-auth.callback-url",
        "__Host-next-auth.csrf-token",
    )
    assert secure.state == "__Secure-next-auth.state"


def test_v5_names() -> None:
    plain = cookie_names("v5", secure=False)
    assert (plain.session_token, plain.callback_url, plain.csrf_token, plain.webauthn_challenge) == (
        "authjs.session-token",
        "authjs.callback-url",
        "authjs.csrf-token",
        "authjs.challenge",
    )
    secure = cookie_names("v5", secure=True)
    assert (secure.session_token, secure.csrf_token, secure.pkce_code_verifier) == (
        "__Secure-authjs.session-token",
        "__Host-authjs.csrf-token",
        "__Secure-authjs.pkce.code_verifier",
    )


# --- serialisation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("abc-_.!~*'()XYZ019", "abc-_.!~*'()XYZ019"),
        ("a|b", "a%7Cb"),
        ("http://x.com/a?b=c&d=e#f", "http%3A%2F%2Fx.com%2Fa%3Fb%3Dc%26d%3De%23f"),
        ("a b;c,d", "a%20b%3Bc%2Cd"),
        ("é日", "%C3%A9%E6%97%A5"),
        ('"\\', "%22%5C"),
        ("100%", "100%25"),
    ],
)
def test_values_are_encoded_like_encode_uri_component(raw: str, encoded: str) -> None:
    assert encode_uri_component(raw) == encoded


# Every ASCII character, the boundaries of the safe set, and a few beyond ASCII.
_NEAR_SAFE = st.text(st.sampled_from([chr(c) for c in range(128)] + ["é", "\u2028", "日", "\U0001f600"]), max_size=40)


@settings(max_examples=2000, deadline=None)
@given(raw=_NEAR_SAFE | st.text(max_size=40))
def test_encoding_matches_quote_with_the_safe_set(raw: str) -> None:
    # What encode_uri_component was before it skipped values that need no escaping.
    assert encode_uri_component(raw) == quote(raw, safe="-_.!~*'()")


def test_http_date() -> None:
    assert http_date(NOW) == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert http_date(NOW + 0.9) == "Tue, 14 Nov 2023 22:13:20 GMT"


def test_attribute_order_follows_the_cookie_package() -> None:
    cookie = Cookie(
        name="n", value="v|w", domain="example.com", max_age=900, expires=NOW, secure=True, same_site="none"
    )
    assert serialize_cookie(cookie) == (
        "n=v%7Cw; Max-Age=900; Domain=example.com; Path=/; Expires=Tue, 14 Nov 2023 22:13:20 GMT; "
        "HttpOnly; Secure; SameSite=None"
    )


def test_minimal_cookie() -> None:
    cookie = Cookie(name="n", value="", path="", http_only=False, same_site=None)
    assert cookie.serialize() == "n="


def test_deletion_form() -> None:
    template = Cookie(name="authjs.session-token", value="x", expires=NOW, secure=True)
    deleted = expire_cookie(template)
    assert deleted.serialize() == "authjs.session-token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
    assert expire_cookie(template, "authjs.session-token.3").name == "authjs.session-token.3"


# --- parsing ---------------------------------------------------------------------------------------------


def test_parse_cookie_header() -> None:
    header = 'a=1; b="quoted"; c=x%7Cy; a=2; d=100%; e=%E0%A4%A; noequals; f==eq; =bad; g=%C3%A9'
    assert parse_cookie_header(header) == {
        "a": "1",
        "b": "quoted",
        "c": "x|y",
        "d": "100%",
        "e": "%E0%A4%A",
        "f": "=eq",
        "g": "é",
    }


def test_parsed_cookies_never_show_their_values() -> None:
    cookies = parse_cookie_header("next-auth.session-token=secret-token; next-auth.csrf-token=abc%7Cdef")
    assert cookies["next-auth.csrf-token"] == "abc|def"
    assert "secret" not in repr(cookies)
    assert "abc" not in repr(cookies)
    assert "next-auth.session-token" in repr(cookies)


def test_parse_empty_header() -> None:
    assert parse_cookie_header("") == {}
    assert parse_cookie_header(";;; ;") == {}


# --- chunking primitives -----------------------------------------------------------------------------------


def test_chunk_sizes() -> None:
    assert chunk_size("v4") == 3933
    assert chunk_size("v5") == 3936


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_chunk_boundaries(format: Any) -> None:
    size = chunk_size(format)
    template = Cookie(name="s", value="", expires=NOW)
    one = chunk_cookies(template, "x" * size, [], format)
    assert [(c.name, len(c.value)) for c in one] == [("s", size)]
    two = chunk_cookies(template, "y" * (size + 1), [], format)
    assert [(c.name, len(c.value)) for c in two] == [("s.0", size), ("s.1", 1)]
    assert all(c.expires == NOW for c in two)
    value = "".join(chr(97 + i % 26) for i in range(size * 2 + 5))
    three = chunk_cookies(template, value, [], format)
    assert "".join(c.value for c in three) == value
    assert [c.name for c in three] == ["s.0", "s.1", "s.2"]


def test_shrinking_deletes_the_leftover_chunks_primitive() -> None:
    template = Cookie(name="s", value="", expires=NOW)
    out = chunk_cookies(template, "small", ["s.0", "s.1", "s.2"], "v5")
    assert [(c.name, c.value, c.max_age) for c in out] == [
        ("s.0", "", 0),
        ("s.1", "", 0),
        ("s.2", "", 0),
        ("s", "small", None),
    ]
    assert out[0].expires is None


def test_growing_deletes_the_plain_cookie_primitive() -> None:
    template = Cookie(name="s", value="", expires=NOW)
    out = chunk_cookies(template, "z" * 5000, ["s"], "v5")
    assert [(c.name, c.max_age) for c in out] == [("s", 0), ("s.0", None), ("s.1", None)]


def test_rewriting_keeps_request_order_then_new_names() -> None:
    template = Cookie(name="s", value="", expires=NOW)
    out = chunk_cookies(template, "z" * 9000, ["s.1", "s.0"], "v5")
    assert [c.name for c in out] == ["s.1", "s.0", "s.2"]
    assert all(c.max_age is None for c in out)


def test_read_chunks_orders_by_number() -> None:
    cookies = {"s.10": "K", "s.2": "C", "s.0": "A", "s.1": "B", "other": "nope"}
    value, names = read_chunks(cookies, "s")
    assert value == "ABCK"
    assert names == ["s.0", "s.1", "s.2", "s.10"]


@pytest.mark.parametrize("stray", ["s.x", "s.", "sx", "s-legacy"])
def test_read_chunks_takes_every_cookie_that_starts_with_the_name(stray: str) -> None:
    # As NextAuth's SessionStore: a stray cookie spoils the token, which then fails to decrypt
    # and is cleared with the rest, on both sides of a shared deployment.
    value, names = read_chunks({"s": "TOKEN", stray: "junk"}, "s")
    assert value is not None
    assert "junk" in value
    assert set(names) == {"s", stray}


def test_read_chunks_skips_empty_values_in_v5_only() -> None:
    cookies = {"s.0": "A", "s.1": ""}
    assert read_chunks(cookies, "s", "v5") == ("A", ["s.0"])
    assert read_chunks(cookies, "s", "v4") == ("A", ["s.0", "s.1"])


def test_read_chunks_plain_and_none() -> None:
    assert read_chunks({"s": "v"}, "s") == ("v", ["s"])
    assert read_chunks({}, "s") == (None, [])
    assert read_chunks({"s": ""}, "s") == (None, [])


# --- attributes through the handler ---------------------------------------------------------------------


async def test_session_cookie_over_http(client: CoreClient, format: Format) -> None:
    response = await client.sign_in()
    cookie = response_cookies(response)[SESSION[format]]
    assert cookie.expires == NOW + THIRTY_DAYS
    assert cookie.max_age is None
    assert cookie.serialize() == (
        f"{SESSION[format]}={cookie.value}; Path=/; Expires={http_date(NOW + THIRTY_DAYS)}; HttpOnly; SameSite=Lax"
    )
    for other in response.cookies:
        assert "Secure" not in other.serialize()
        assert "HttpOnly" in other.serialize()
        assert "SameSite=Lax" in other.serialize()


async def test_cookies_over_https(format: Format) -> None:
    client = CoreClient(make_options(format=format), https=True)
    response = await client.sign_in(callbackUrl="/after")
    names = response_cookies(response)
    stem = "next-auth" if format == "v4" else "authjs"
    assert set(names) == {f"__Secure-{stem}.session-token", f"__Secure-{stem}.callback-url"}
    csrf = [n for n in (client.jar or {}) if "csrf" in n]
    assert csrf == [f"__Host-{stem}.csrf-token"]
    session = names[f"__Secure-{stem}.session-token"]
    assert session.serialize().endswith("; HttpOnly; Secure; SameSite=Lax")
    callback = names[f"__Secure-{stem}.callback-url"]
    assert (
        callback.serialize()
        == f"{callback.name}=https%3A%2F%2Flocalhost%3A3000%2Fafter; Path=/; HttpOnly; Secure; SameSite=Lax"
    )


async def test_https_session_is_read_from_the_secure_name_only(format: Format) -> None:
    client = CoreClient(make_options(format=format), https=True)
    await client.sign_in()
    assert await client.session() != ({} if format == "v4" else None)
    assert client.jar is not None
    secure_name = f"__Secure-{SESSION[format]}"
    token = client.jar.pop(secure_name)
    client.jar[SESSION[format]] = token
    assert await client.session() == ({} if format == "v4" else None)


@pytest.mark.parametrize(("use_secure", "https"), [(True, False), (False, True)])
async def test_use_secure_cookies_overrides_the_scheme(format: Format, use_secure: bool, https: bool) -> None:
    client = CoreClient(make_options(format=format, use_secure_cookies=use_secure), https=https)
    response = await client.sign_in()
    names = set(response_cookies(response))
    prefixed = f"__Secure-{SESSION[format]}"
    assert (prefixed in names) is use_secure
    assert (SESSION[format] in names) is not use_secure
    assert all(c.secure is use_secure for c in response.cookies)


async def test_configured_https_url_makes_secure_cookies(format: Format) -> None:
    client = CoreClient(make_options(format=format, url="https://example.com"))
    response = await client.sign_in()
    assert f"__Secure-{SESSION[format]}" in response_cookies(response)


async def test_user_cookie_overrides(format: Format) -> None:
    options = make_options(
        format=format,
        cookies={
            "session_token": {"name": "my.session", "options": {"domain": "example.com", "same_site": "strict"}},
            "csrf_token": {"options": {"http_only": False}},
        },
    )
    client = CoreClient(options)
    response = await client.sign_in()
    session = response_cookies(response)["my.session"]
    assert session.serialize().startswith("my.session=")
    assert "; Domain=example.com; Path=/; Expires=" in session.serialize()
    assert session.serialize().endswith("; HttpOnly; SameSite=Strict")
    csrf = await handle(make_request("GET", "csrf"), options)
    assert "HttpOnly" not in next(iter(csrf.cookies)).serialize()
    # The renamed cookie is the one read back.
    assert json_body(await client.request("GET", "session"))["user"]["name"] == "Ada Lovelace"


async def test_user_max_age_override_on_the_session_cookie(format: Format) -> None:
    options = make_options(format=format, cookies={"session_token": {"options": {"max_age": 60}}})
    response = await CoreClient(options).sign_in()
    assert "Max-Age=60; Path=/; Expires=" in response_cookies(response)[SESSION[format]].serialize()


# --- chunking through the handler -------------------------------------------------------------------------


def big_claim_options(format: Format, **overrides: Any) -> Any:
    def jwt_callback(token: dict[str, Any], user: Any = None, trigger: str | None = None, session: Any = None) -> Any:
        if user is not None:
            token["big"] = "x" * 6000
        if trigger == "update":
            if session.get("big"):
                token["big"] = "y" * session["big"]
            else:
                token.pop("big", None)
        return token

    def session_callback(session: dict[str, Any], token: dict[str, Any]) -> Any:
        return {**session, "big_length": len(token.get("big", ""))}

    return make_options(format=format, callbacks={"jwt": jwt_callback, "session": session_callback}, **overrides)


def session_names(response: Any, format: Format) -> list[tuple[str, int | None]]:
    return [(c.name, c.max_age) for c in response.cookies if c.name.startswith(SESSION[format])]


async def test_big_token_is_chunked_and_read_back(format: Format) -> None:
    client = CoreClient(big_claim_options(format))
    response = await client.sign_in()
    chunks = [c for c in response.cookies if c.name.startswith(SESSION[format])]
    assert [c.name for c in chunks] == [f"{SESSION[format]}.{i}" for i in range(len(chunks))]
    assert len(chunks) >= 2
    size = chunk_size(format)
    assert all(len(c.value) == size for c in chunks[:-1])
    assert 0 < len(chunks[-1].value) <= size
    assert all(c.expires == NOW + THIRTY_DAYS for c in chunks)
    token = jwt.decode(
        token="".join(c.value for c in chunks), secret=SECRET, salt=_salt(format), format=format, now=NOW
    )
    assert token is not None
    assert token["big"] == "x" * 6000

    session = await client.session()
    assert session["big_length"] == 6000
    assert client.session_cookie_names() == [c.name for c in chunks]


async def test_shrinking_deletes_chunks(format: Format) -> None:
    client = CoreClient(big_claim_options(format))
    await client.sign_in()
    chunk_names = client.session_cookie_names()
    response = await client.request("POST", "session", body={"csrfToken": await client.csrf_token(), "data": {}})
    assert json_body(response)["big_length"] == 0
    assert session_names(response, format) == [*[(n, 0) for n in chunk_names], (SESSION[format], None)]
    assert client.session_cookie_names() == [SESSION[format]]
    assert (await client.session())["big_length"] == 0


async def test_growing_deletes_the_plain_cookie(format: Format) -> None:
    client = CoreClient(big_claim_options(format))
    await client.sign_in()
    await client.request("POST", "session", body={"csrfToken": await client.csrf_token(), "data": {}})
    assert client.session_cookie_names() == [SESSION[format]]
    response = await client.request(
        "POST", "session", body={"csrfToken": await client.csrf_token(), "data": {"big": 8000}}
    )
    names = session_names(response, format)
    assert names[0] == (SESSION[format], 0)
    assert [n for n, age in names[1:]] == [f"{SESSION[format]}.{i}" for i in range(len(names) - 1)]
    assert all(age is None for _, age in names[1:])
    assert (await client.session())["big_length"] == 8000


async def test_stale_mix_of_plain_and_chunks_fails_safely(format: Format) -> None:
    client = CoreClient(big_claim_options(format))
    await client.sign_in()
    assert client.jar is not None
    chunk_names = client.session_cookie_names()
    small = CoreClient(make_options(format=format))
    await small.sign_in()
    assert small.jar is not None
    client.jar[SESSION[format]] = small.jar[SESSION[format]]
    response = await client.request("GET", "session")
    assert response.status == 200
    assert json_body(response) == ({} if format == "v4" else None)
    assert sorted(session_names(response, format)) == sorted((n, 0) for n in [*chunk_names, SESSION[format]])
    assert client.session_cookie_names() == []


async def test_missing_middle_chunk_fails_safely(format: Format) -> None:
    client = CoreClient(big_claim_options(format))
    await client.sign_in()
    assert client.jar is not None
    del client.jar[f"{SESSION[format]}.1"]
    response = await client.request("GET", "session")
    assert json_body(response) == ({} if format == "v4" else None)
    assert all(age == 0 for _, age in session_names(response, format))


async def test_chunks_are_read_in_numeric_order(format: Format) -> None:
    client = CoreClient(big_claim_options(format))
    await client.sign_in()
    assert client.jar is not None
    reordered = dict(reversed(list(client.jar.items())))
    client.jar.clear()
    client.jar.update(reordered)
    assert (await client.session())["big_length"] == 6000


def _salt(format: Format) -> str:
    return "" if format == "v4" else SESSION[format]


def test_chunking_logs_nextauths_debug_message(caplog: pytest.LogCaptureFixture) -> None:
    template = Cookie(name="authjs.session-token", value="")
    with caplog.at_level(logging.DEBUG, logger="authsession"):
        cookies = chunk_cookies(template, "x" * 5000, [], "v5", debug=logging.getLogger("authsession"))
    assert [c.name for c in cookies] == ["authjs.session-token.0", "authjs.session-token.1"]
    record = next(r for r in caplog.records if r.getMessage().startswith("CHUNKING_SESSION_COOKIE"))
    assert record.levelno == logging.DEBUG
    assert (record.valueSize, record.chunks, record.emptyCookieSize) == (5000, 2, 160)  # type: ignore[attr-defined]


async def test_debug_is_a_property_of_one_options_instance(caplog: pytest.LogCaptureFixture) -> None:
    """``debug=True`` shows that app's debug messages and leaves the ``authsession`` logger's level
    alone, so another app in the process (here one without debug) stays as it was configured."""
    log = logging.getLogger("authsession")
    before = log.level
    quiet = CoreClient(big_claim_options("v5"))
    loud = CoreClient(big_claim_options("v5", debug=True))
    assert log.level == before
    await quiet.sign_in()
    assert not [r for r in caplog.records if r.getMessage().startswith("CHUNKING_SESSION_COOKIE")]
    await loud.sign_in()
    records = [r for r in caplog.records if r.getMessage().startswith("CHUNKING_SESSION_COOKIE")]
    assert len(records) == 1
    assert records[0].levelno == logging.DEBUG
    assert records[0].name.startswith("authsession")
    assert log.level == before
    assert not log.isEnabledFor(logging.DEBUG)


def test_copy_changes_the_named_fields_and_keeps_the_rest() -> None:
    template = Cookie(name="next-auth.session-token", value="", secure=True, domain="example.com", max_age=60)
    copied = template.copy(value="token", expires=1_700_000_000.5)
    assert copied == Cookie(
        name="next-auth.session-token",
        value="token",
        secure=True,
        domain="example.com",
        max_age=60,
        expires=1_700_000_000.5,
    )
    assert (template.value, template.expires) == ("", None)  # the template is untouched
    assert template.copy() == template


def test_copy_refuses_a_field_cookie_does_not_have() -> None:
    with pytest.raises(TypeError, match="'expiry'"):
        Cookie(name="a", value="b").copy(expiry=1.0)
