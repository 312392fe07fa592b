"""``authsession doctor``: one case per reason a session does not open, each with the session read
that proves the diagnosis (the core's GET /session opens it or does not), and tokens made by the
real next-auth 4 and @auth/core where the case is about reading theirs."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from authsession import jwt
from authsession._core.handler import handle
from authsession._doctor import MAX_EXPORT_SIZE, Diagnosis, Reader, diagnose, parse_cookie_export
from authsession.adapters import MemoryAdapter
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.cli import main
from authsession.providers import GitHub
from authsession.testing import session_cookies
from authsession.types import Format
from helpers import NOW, SECRET, USER, NodeOracle, json_body, make_options, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

OTHER_SECRET = "another-secret-0123456789abcdef0123456789"
V5 = "authjs.session-token"
V4 = "next-auth.session-token"
SECURE_V5 = "__Secure-" + V5
CLAIMS = {"sub": "user-1", "name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.fixture(scope="module")
def next_auth_4_token(node_v4: NodeOracle) -> str:
    """A session token made by next-auth 4's own ``encode``."""
    token: str = node_v4.call("encode", token=CLAIMS, secret=SECRET)
    return token


@pytest.fixture(scope="module")
def authjs_tokens(node_v5: NodeOracle) -> dict[str, str]:
    """Session tokens made by @auth/core's ``encode``, by salt: the http and the https cookie name."""
    salts = [V5, SECURE_V5]
    tokens = node_v5.run([{"op": "encode", "token": CLAIMS, "secret": SECRET, "salt": salt} for salt in salts])
    return dict(zip(salts, tokens, strict=True))


def problems(diagnosis: Diagnosis) -> list[str]:
    return [finding.problem for finding in diagnosis.findings]


async def opens_for_authsession(jar: dict[str, str], format: Format, *, https: bool = False, **options: Any) -> bool:
    """Whether authsession's own GET /session, with these options, finds the user in ``jar``."""
    request = make_request("GET", "session", cookies=jar, https=https)
    response = await handle(request, make_options(format=format, **options), now=NOW)
    return bool(json_body(response))


def reader(format: Format = "v5", **overrides: Any) -> Reader:
    return Reader(secrets=(SECRET,), format=format, **overrides)


async def test_a_good_cookie_opens() -> None:
    cookies = dict(session_cookies(make_options(), USER, now=NOW).cookies)
    diagnosis = await diagnose(cookies, reader(secure=False), now=NOW)
    assert diagnosis.findings == ()
    assert diagnosis.opens is True
    assert any("sub 'user-1'" in note for note in diagnosis.notes)
    assert await opens_for_authsession(cookies, "v5")


async def test_wrong_secret() -> None:
    token = jwt.encode(token=CLAIMS, secret=OTHER_SECRET, format="v5", now=NOW)
    cookies = {V5: token}
    diagnosis = await diagnose(cookies, reader(), now=NOW)
    assert problems(diagnosis) == ["wrong_secret"]
    assert diagnosis.opens is False
    assert not await opens_for_authsession(cookies, "v5")
    # with the other app's secret in the list (a rotation), it opens
    rotated = Reader(secrets=(SECRET, OTHER_SECRET))
    assert (await diagnose(cookies, rotated, now=NOW)).opens is True
    assert await opens_for_authsession(cookies, "v5", secret=[SECRET, OTHER_SECRET])


async def test_next_auth_4_token_read_as_v5(next_auth_4_token: str) -> None:
    cookies = {V4: next_auth_4_token}
    diagnosis = await diagnose(cookies, reader("v5"), now=NOW)
    assert problems(diagnosis) == ["format_mismatch"]
    assert "format='v4'" in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v5")
    assert (await diagnose(cookies, reader("v4"), now=NOW)).opens is True
    assert await opens_for_authsession(cookies, "v4")


async def test_authjs_5_token_read_as_v4(authjs_tokens: dict[str, str]) -> None:
    cookies = {V5: authjs_tokens[V5]}
    diagnosis = await diagnose(cookies, reader("v4"), now=NOW)
    assert problems(diagnosis) == ["format_mismatch"]
    assert "format='v5'" in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v4")
    assert (await diagnose(cookies, reader("v5"), now=NOW)).opens is True


async def test_v4_token_under_the_v5_name(next_auth_4_token: str) -> None:
    """A next-auth 4 token copied into Auth.js 5's cookie: the token's format is what counts."""
    cookies = {V5: next_auth_4_token}
    diagnosis = await diagnose(cookies, reader("v5"), now=NOW)
    assert problems(diagnosis) == ["format_mismatch"]
    assert not await opens_for_authsession(cookies, "v5")


async def test_wrong_salt(authjs_tokens: dict[str, str]) -> None:
    """A v5 token made with the http cookie's salt, sent in the https cookie."""
    cookies = {SECURE_V5: authjs_tokens[V5]}
    diagnosis = await diagnose(cookies, reader(secure=True), now=NOW)
    assert problems(diagnosis) == ["wrong_salt"]
    assert repr(V5) in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v5", https=True)
    assert jwt.decode(token=cookies[SECURE_V5], secret=SECRET, salt=V5) is not None


async def test_wrong_cookie_name() -> None:
    cookies = dict(session_cookies(make_options(), USER, secure=False, now=NOW).cookies)
    diagnosis = await diagnose(cookies, reader(cookie_name="myapp.session"), now=NOW)
    assert problems(diagnosis) == ["cookie_name"]
    assert "myapp.session" in diagnosis.findings[0].message
    renamed = {"session_token": {"name": "myapp.session"}}
    assert not await opens_for_authsession(cookies, "v5", cookies=renamed)


async def test_no_session_cookie() -> None:
    diagnosis = await diagnose({"theme": "dark", "authjs.csrf-token": "x|y"}, reader(), now=NOW)
    assert problems(diagnosis) == ["no_session_cookie"]
    assert diagnosis.opens is False


async def test_secure_prefix_lost_behind_a_tls_proxy(authjs_tokens: dict[str, str]) -> None:
    """Next.js behind https set ``__Secure-authjs.session-token``; Python behind the proxy sees http."""
    cookies = {SECURE_V5: authjs_tokens[SECURE_V5]}
    diagnosis = await diagnose(cookies, reader(secure=False), now=NOW)
    assert problems(diagnosis) == ["secure_prefix_lost"]
    assert "X-Forwarded-Proto" in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v5", https=False)
    assert await opens_for_authsession(cookies, "v5", https=True)
    # and the reverse: the app expects https cookies, the browser got them over http
    plain = dict(session_cookies(make_options(), USER, secure=False, now=NOW).cookies)
    assert problems(await diagnose(plain, reader(secure=True), now=NOW)) == ["secure_prefix_expected"]


def chunked_cookies() -> dict[str, str]:
    made = session_cookies(make_options(), USER, claims={"bio": "x" * 6000}, secure=False, now=NOW)
    assert list(made.cookies) == [f"{V5}.0", f"{V5}.1", f"{V5}.2"]
    return dict(made.cookies)


async def test_missing_chunk_in_the_middle() -> None:
    cookies = chunked_cookies()
    del cookies[f"{V5}.1"]
    diagnosis = await diagnose(cookies, reader(), now=NOW)
    assert problems(diagnosis) == ["missing_chunk"]
    assert "chunk(s) 1 of" in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v5")


async def test_missing_last_chunk() -> None:
    cookies = chunked_cookies()
    del cookies[f"{V5}.2"]
    diagnosis = await diagnose(cookies, reader(), now=NOW)
    assert problems(diagnosis) == ["malformed"]
    assert "cut short" in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v5")


async def test_stray_cookie_spoils_the_token() -> None:
    cookies = dict(session_cookies(make_options(), USER, now=NOW).cookies) | {f"{V5}.old": "leftover"}
    diagnosis = await diagnose(cookies, reader(), now=NOW)
    assert problems(diagnosis)[0] == "stray_cookie"
    assert diagnosis.opens is False
    assert not await opens_for_authsession(cookies, "v5")


async def test_expired() -> None:
    cookies = dict(session_cookies(make_options(), USER, now=NOW - 31 * 24 * 3600).cookies)
    diagnosis = await diagnose(cookies, reader(), now=NOW)
    assert problems(diagnosis) == ["expired"]
    assert "expired at 2023-11-13T22:13:20Z" in diagnosis.findings[0].message
    assert not await opens_for_authsession(cookies, "v5")


async def test_database_token_with_no_row() -> None:
    adapter = MemoryAdapter()
    github = GitHub(client_id="id", client_secret="secret")
    options = make_options(adapter=adapter, session={"strategy": "database"}, providers=[github])
    user = await adapter.create_user({"id": "", "email": "ada@example.com", "emailVerified": None})
    now = datetime.now(UTC)
    await adapter.create_session({"sessionToken": "tok-live", "userId": user["id"], "expires": now + timedelta(days=1)})

    missing = {V5: "tok-signed-out"}
    diagnosis = await diagnose(missing, reader(), adapter=adapter, now=now.timestamp())
    assert problems(diagnosis) == ["no_database_row"]
    assert diagnosis.opens is False
    assert not json_body(await handle(make_request("GET", "session", cookies=missing), options))

    live = {V5: "tok-live"}
    diagnosis = await diagnose(live, reader(), adapter=adapter, now=now.timestamp())
    assert (problems(diagnosis), diagnosis.opens) == ([], True)
    expired = await diagnose(live, reader(), adapter=adapter, now=(now + timedelta(days=2)).timestamp())
    assert problems(expired) == ["expired"]
    assert json_body(await handle(make_request("GET", "session", cookies=live), options))

    unchecked = await diagnose(live, reader(), now=now.timestamp())
    assert (problems(unchecked), unchecked.opens) == (["database_not_checked"], None)


# --- the input: a Cookie header or a browser's export -----------------------------------------


def test_parse_a_cookie_header() -> None:
    assert parse_cookie_export("Cookie: a=1; authjs.session-token=x%3Dy") == {"a": "1", V5: "x=y"}


def test_parse_a_json_export() -> None:
    export = [{"name": V5, "value": "t", "domain": "app.example"}, {"name": V5, "value": "second", "domain": "x"}]
    assert parse_cookie_export(json.dumps(export)) == {V5: "t"}
    assert parse_cookie_export(json.dumps({"cookies": export, "origins": []})) == {V5: "t"}
    with pytest.raises(ValueError, match="list of"):
        parse_cookie_export('{"cookies": 3}')


def test_parse_a_cookies_txt() -> None:
    text = "# Netscape HTTP Cookie File\n#HttpOnly_app.example\tFALSE\t/\tTRUE\t0\tauthjs.session-token\ttok\n"
    assert parse_cookie_export(text) == {V5: "tok"}


def test_parse_refuses_a_huge_export() -> None:
    with pytest.raises(ValueError, match="larger than"):
        parse_cookie_export("a=" + "x" * MAX_EXPORT_SIZE)


# --- the command line -------------------------------------------------------------------------


def test_cli_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    token = jwt.encode(token=CLAIMS, secret=OTHER_SECRET, format="v5")
    assert main(["doctor", "--cookie", f"{V5}={token}", "--secret", SECRET]) == 1
    out = capsys.readouterr().out
    assert "problem [wrong_secret]" in out
    assert "The session does not open." in out
    assert token not in out
    assert SECRET not in out


def test_cli_reads_the_secret_from_the_environment_and_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = jwt.encode(token=CLAIMS, secret=SECRET, format="v4")
    export = tmp_path / "cookies.json"
    export.write_text(json.dumps([{"name": "__Secure-" + V4, "value": token}]), encoding="utf-8")
    monkeypatch.setenv("NEXTAUTH_SECRET", SECRET)
    argv = ["doctor", "--cookie-file", str(export), "--format", "v4", "--url", "https://app.example"]
    assert main(argv) == 0
    assert "The session opens." in capsys.readouterr().out


def test_cli_without_a_secret_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--cookie", f"{V5}=x"])
    assert exc.value.code == 2
    assert "AUTH_SECRET" in capsys.readouterr().err


def test_cli_looks_up_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a SQLite database made by the SQLAlchemy adapter, as ``--database-url`` names it."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"

    async def create_schema() -> None:
        adapter = SQLAlchemyAdapter(database)
        await adapter.create_schema()
        await adapter.close()

    asyncio.run(create_schema())
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    assert main(["doctor", "--cookie", f"{V5}=gone", "--database-url", database]) == 1
    assert "problem [no_database_row]" in capsys.readouterr().out
