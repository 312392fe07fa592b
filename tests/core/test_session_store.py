"""The session cookie store: one reading per request, bounded, and odd chunk names are no crash.

Planted cookies named like the session cookie are attacker input: a suffix that is a digit but
not an ASCII chunk number (``.²``, 5,000 digits) must be ignored with a log line, and a thousand
``session-token.N`` cookies must not cost a thousand ``Set-Cookie`` deletions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from authsession import jwt
from authsession._core.config import V4, V5
from authsession._core.cookies import MAX_SESSION_CHUNKS, Cookie, chunk_size, read_chunks
from authsession._core.server_session import get_session
from authsession._core.session_store import SessionStore
from authsession.adapters import MemoryAdapter
from authsession.providers import Email
from authsession.types import Format
from helpers import HOST, NOW, SECRET, CoreClient, json_body, make_options, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
ODD_SUFFIXES = ["²", "٣", "1" * 5000, "9" * 20, "0" * 4300]


def no_mail(**_: Any) -> None:
    """Email sign-in beside credentials, so the database strategy is allowed."""


def options_for(format: str, strategy: str) -> Any:
    if strategy == "jwt":
        return make_options(format=format)
    return make_options(
        format=format,
        adapter=MemoryAdapter(),
        providers=[Email(send_verification_request=no_mail)],
        session={"strategy": "database"},
        url=f"http://{HOST}",
    )


@pytest.fixture(params=["jwt", "database"])
def strategy(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def signed_in(format: str, strategy: str) -> CoreClient:
    client = CoreClient(options_for(format, strategy))
    if strategy == "database":
        adapter = client.options.adapter
        user = await adapter.create_user(
            {"id": "u1", "name": "Ada Lovelace", "email": "ada@example.com", "emailVerified": None}
        )
        record = {"sessionToken": "db-token", "userId": user["id"], "expires": _future()}
        await adapter.create_session(record)
        assert client.jar is not None
        client.jar[SESSION[format]] = "db-token"
    else:
        await client.sign_in()
    assert (await client.session())["user"]["name"]
    return client


def _future() -> datetime:
    return datetime.fromtimestamp(NOW, UTC) + timedelta(days=1)


@pytest.mark.parametrize("suffix", ODD_SUFFIXES, ids=lambda s: f"{s[:3]}x{len(s)}")
def test_a_suffix_that_is_no_ascii_chunk_number_is_ignored(suffix: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="authsession"):
        value, names = read_chunks({"s": "TOKEN", f"s.{suffix}": "junk"}, "s")
    assert (value, names) == ("TOKEN", ["s"])
    assert any("Ignoring 1 cookie(s) named like s" in r.getMessage() for r in caplog.records)
    assert not any(suffix in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("suffix", ODD_SUFFIXES, ids=lambda s: f"{s[:3]}x{len(s)}")
async def test_odd_suffixes_do_not_break_session_signout_or_server_session(
    format: str, strategy: str, suffix: str
) -> None:
    client = await signed_in(format, strategy)
    assert client.jar is not None
    client.jar[f"{SESSION[format]}.{suffix}"] = "planted"
    response = await client.request("GET", "session")
    assert response.status == 200
    assert json_body(response)["user"]["name"] == "Ada Lovelace"  # the planted cookie does not spoil the token

    request = make_request("GET", "/profile", cookies=client.jar)
    session, _ = await get_session(request, client.options, now=NOW)
    assert session is not None
    assert session["user"]["name"] == "Ada Lovelace"

    body = {"csrfToken": await client.csrf_token()}
    response = await client.request("POST", "signout", body=body)
    assert response.status == 302
    assert SESSION[format] not in client.jar
    assert json_body(await client.request("GET", "session")) == ({} if format == "v4" else None)


async def test_a_thousand_planted_chunks_cost_a_bounded_number_of_deletions(format: str, strategy: str) -> None:
    client = CoreClient(options_for(format, strategy))
    planted = {f"{SESSION[format]}.{i}": "x" for i in range(1000)}
    for method, path in (("GET", "session"), ("POST", "signout")):
        body = {"csrfToken": await client.csrf_token()} if method == "POST" else None
        assert client.jar is not None
        client.jar.update(planted)
        response = await client.request(method, path, body=body)
        assert response.status in (200, 302)
        deletions = [c for c in response.cookies if c.name.startswith(SESSION[format])]
        assert 0 < len(deletions) <= MAX_SESSION_CHUNKS + 1
        assert all(c.max_age == 0 for c in deletions)

    request = make_request("GET", "/profile", cookies=planted)
    session, cookies = await get_session(request, client.options, now=NOW)
    assert session is None
    assert 0 < len([c for c in cookies if c.name.startswith(SESSION[format])]) <= MAX_SESSION_CHUNKS + 1


def test_the_chunk_bound_takes_the_first_chunks_in_order() -> None:
    cookies = {f"s.{i}": str(i % 10) for i in reversed(range(1000))}
    value, names = read_chunks(cookies, "s")
    assert names == [f"s.{i}" for i in range(MAX_SESSION_CHUNKS)]
    assert value == "".join(str(i % 10) for i in range(MAX_SESSION_CHUNKS))


def test_the_store_reads_once_and_writes_chunks_and_deletions() -> None:
    template = Cookie(name="authjs.session-token", value="", secure=False)
    store = SessionStore(template, {"authjs.session-token.0": "AB", "authjs.session-token.1": "CD"}, V5)
    assert store.value == "ABCD"
    assert store.names == ("authjs.session-token.0", "authjs.session-token.1")
    written = store.chunk("short", expires=NOW + 60)
    assert [(c.name, c.value, c.max_age) for c in written] == [
        ("authjs.session-token.0", "", 0),
        ("authjs.session-token.1", "", 0),
        ("authjs.session-token", "short", None),
    ]
    assert written[-1].expires == NOW + 60
    replaced = store.replace("db-token", expires=NOW + 60)
    assert [(c.name, c.value) for c in replaced] == [
        ("authjs.session-token", "db-token"),
        ("authjs.session-token.0", ""),
        ("authjs.session-token.1", ""),
    ]
    assert [(c.name, c.max_age) for c in store.clean()] == [
        ("authjs.session-token.0", 0),
        ("authjs.session-token.1", 0),
    ]


def test_v4_keeps_empty_chunks_and_v5_skips_them() -> None:
    template = Cookie(name="s", value="")
    cookies = {"s.0": "A", "s.1": ""}
    assert SessionStore(template, cookies, V4).names == ("s.0", "s.1")
    assert SessionStore(template, cookies, V5).names == ("s.0",)


@pytest.mark.parametrize("suffix", ODD_SUFFIXES, ids=lambda s: f"{s[:3]}x{len(s)}")
def test_get_token_ignores_an_odd_suffix(format: Format, suffix: str) -> None:
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, format=format, now=NOW)
    header = f"{SESSION[format]}.{suffix}=junk; {SESSION[format]}={token}"
    request = SimpleNamespace(headers={"cookie": header})
    claims = jwt.get_token(request, secret=SECRET, format=format, now=NOW)
    assert claims is not None
    assert claims["sub"] == "1"


def test_writing_past_the_bound_says_the_session_will_not_come_back(caplog: pytest.LogCaptureFixture) -> None:
    template = Cookie(name="s", value="")
    store = SessionStore(template, {}, V5)
    with caplog.at_level(logging.WARNING, logger="authsession"):
        written = store.chunk("x" * (chunk_size("v5") * MAX_SESSION_CHUNKS + 1), expires=NOW + 60)
    assert len(written) == MAX_SESSION_CHUNKS + 1
    assert any("more than the 32 read back" in r.getMessage() for r in caplog.records)
