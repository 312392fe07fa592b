"""Tokens and CSRF cookies cross the language border both ways (protocol §1, §2.3-2.4, §3).

The other side is the real npm code, pinned under ``tests/node`` (next-auth@4.24.15 and
@auth/core@0.41.3), driven in batches through ``tests/node/*/oracle.*`` (see ``conftest.py``).
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import unquote

import pytest

from authsession import jwt
from authsession._core import jwe
from authsession._core.cookies import chunk_cookies, chunk_size, cookie_names, encode_uri_component
from authsession._core.csrf import check_csrf, csrf_secret
from authsession._core.http import Cookie
from authsession.types import Format
from helpers import NodeOracle, OracleError

pytestmark = pytest.mark.node

SECRET = "interop-secret-0123456789abcdef"
CLAIMS: dict[str, Any] = {
    "name": "Zoë Ada",
    "email": "ada@example.com",
    "picture": "https://example.com/a.png",
    "sub": "user-1",
    "roles": ["admin", {"nested": True}],
}


def session_salt(format: Format, secure: bool) -> str:
    return cookie_names(format, secure).session_token if format == "v5" else ""


def encode_op(format: Format, token: dict[str, Any], secret: Any, salt: str, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "encode", "token": token, "secret": secret, **extra}
    if format == "v5" or salt:
        op["salt"] = salt
    return op


def decode_op(format: Format, token: str, secret: Any, salt: str) -> dict[str, Any]:
    op: dict[str, Any] = {"op": "decode", "token": token, "secret": secret}
    if format == "v5" or salt:
        op["salt"] = salt
    return op


def subset(claims: dict[str, Any] | None) -> dict[str, Any]:
    assert claims is not None
    return {k: claims[k] for k in CLAIMS}


# --- session tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("secure", [False, True])
def test_node_tokens_decode_in_python(node_oracle: NodeOracle, secure: bool) -> None:
    fmt = node_oracle.format
    salt = session_salt(fmt, secure)
    stem = "next-auth" if fmt == "v4" else "authjs"
    state_salt = f"{'__Secure-' if secure else ''}{stem}.state"
    session, state = node_oracle.run(
        [
            encode_op(fmt, CLAIMS, SECRET, salt),
            encode_op(fmt, {"value": "xyz", "provider": "github"}, SECRET, state_salt, maxAge=900),
        ]
    )
    assert subset(jwt.decode(token=session, secret=SECRET, salt=salt, format=fmt)) == CLAIMS
    claims = jwt.decode(token=state, secret=SECRET, salt=state_salt, format=fmt)
    assert claims is not None
    assert claims["value"] == "xyz"
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.decode(token=session, secret=SECRET, salt=salt + "x", format=fmt) is None
    other = "v5" if fmt == "v4" else "v4"
    assert jwt.decode(token=session, secret=SECRET, salt=salt, format=other) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("secure", [False, True])
def test_python_tokens_decode_in_node(node_oracle: NodeOracle, secure: bool) -> None:
    fmt = node_oracle.format
    salt = session_salt(fmt, secure)
    ours = jwt.encode(token=CLAIMS, secret=SECRET, salt=salt, format=fmt)
    state = jwt.encode(token={"value": "v"}, secret=SECRET, salt="x.state", max_age=900, format=fmt)
    mine = jwt.decode(token=ours, secret=SECRET, salt=salt, format=fmt)
    theirs, their_state = node_oracle.run(
        [decode_op(fmt, ours, SECRET, salt), decode_op(fmt, state, SECRET, "x.state")]
    )
    assert theirs == mine  # iat, exp and jti included
    assert their_state["value"] == "v"


def test_formats_do_not_cross(node_v4: NodeOracle, node_v5: NodeOracle) -> None:
    v4 = jwt.encode(token=CLAIMS, secret=SECRET, format="v4")
    v5 = jwt.encode(token=CLAIMS, secret=SECRET, format="v5")
    for oracle, token, salt in ((node_v4, v5, ""), (node_v5, v4, "authjs.session-token"), (node_v5, v4, "")):
        [result] = oracle.run_raw([decode_op(oracle.format, token, SECRET, salt)])
        assert "error" in result, (oracle.format, result)


def test_expiry_tolerance_matches_node(node_oracle: NodeOracle) -> None:
    fmt = node_oracle.format
    salt = session_salt(fmt, False)
    now = time.time()
    # exp = now - 10: inside the 15 s tolerance; exp = now - 20: expired. Margins absorb clock ticks.
    inside = jwt.encode(token={}, secret=SECRET, salt=salt, max_age=60, format=fmt, now=now - 70)
    outside = jwt.encode(token={}, secret=SECRET, salt=salt, max_age=60, format=fmt, now=now - 80)
    ok, expired = node_oracle.run_raw([decode_op(fmt, t, SECRET, salt) for t in (inside, outside)])
    assert "ok" in ok
    assert ok["ok"] is not None
    assert expired.get("name") == "JWTExpired"
    assert jwt.decode(token=inside, secret=SECRET, salt=salt, format=fmt) is not None
    assert jwt.decode(token=outside, secret=SECRET, salt=salt, format=fmt) is None


def test_v5_secret_rotation_both_ways(node_v5: NodeOracle) -> None:
    salt = "authjs.session-token"
    new_old, old = node_v5.run(
        [encode_op("v5", {"sub": "1"}, ["new", "old"], salt), encode_op("v5", {"sub": "2"}, "old", salt)]
    )
    assert jwt.decode(token=new_old, secret=["new"]) is not None
    assert jwt.decode(token=new_old, secret=["old", "new"]) is not None
    assert jwt.decode(token=new_old, secret=["old"]) is None
    assert jwt.decode(token=old, secret=["new", "old"]) is not None
    assert jwt.decode(token=old, secret="old") is not None

    ours = jwt.encode(token={"sub": "3"}, secret=["new", "old"])
    ours_old = jwt.encode(token={"sub": "4"}, secret="old")
    results = node_v5.run_raw(
        [
            decode_op("v5", ours, ["old", "new"], salt),
            decode_op("v5", ours, ["new"], salt),
            decode_op("v5", ours, ["old"], salt),
            decode_op("v5", ours_old, ["new", "old"], salt),
        ]
    )
    assert [r.get("ok", {}).get("sub") if "ok" in r else None for r in results] == ["3", "3", None, "4"]
    assert results[2]["error"] == "no matching decryption secret"


def test_v5_a256gcm_tokens_are_read_by_both(node_v5: NodeOracle) -> None:
    salt = "authjs.session-token"
    key = jwe.derive_v5_key(SECRET, salt, "A256GCM")
    exp = int(time.time()) + 60
    with_kid = jwe.encrypt(f'{{"sub":"k","exp":{exp}}}'.encode(), key, "A256GCM", jwe.key_id(key))
    without = jwe.encrypt(f'{{"sub":"n","exp":{exp}}}'.encode(), key, "A256GCM")
    a, b = node_v5.run([decode_op("v5", with_kid, ["other", SECRET], salt), decode_op("v5", without, SECRET, salt)])
    assert (a["sub"], b["sub"]) == ("k", "n")
    assert jwt.decode(token=with_kid, secret=["other", SECRET]) == {"sub": "k", "exp": exp}
    assert jwt.decode(token=without, secret=SECRET) == {"sub": "n", "exp": exp}


# --- getToken ---------------------------------------------------------------------------------


def node_get_token(format: Format, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    return {"op": "getToken", "headers": headers, "secret": SECRET, **params}


@pytest.mark.parametrize("secure", [False, True])
def test_get_token_reads_the_other_sides_cookie(node_oracle: NodeOracle, secure: bool) -> None:
    fmt = node_oracle.format
    name = cookie_names(fmt, secure).session_token
    salt = session_salt(fmt, secure)
    ours = jwt.encode(token=CLAIMS, secret=SECRET, salt=salt, format=fmt)
    [theirs] = node_oracle.run([encode_op(fmt, CLAIMS, SECRET, salt)])
    header = {"cookie": f"theme=dark; {name}={ours}"}
    node_reads_ours, node_reads_wrong_prefix = node_oracle.run(
        [
            node_get_token(fmt, header, secureCookie=secure),
            node_get_token(fmt, header, secureCookie=not secure),
        ]
    )
    assert subset(node_reads_ours) == CLAIMS
    assert node_reads_wrong_prefix is None
    request = type("Req", (), {"headers": {"cookie": f"{name}={theirs}"}})()
    assert subset(jwt.get_token(request, secret=SECRET, secure_cookie=secure, format=fmt)) == CLAIMS


def test_v4_get_token_secure_default_from_nextauth_url(node_v4: NodeOracle, monkeypatch: pytest.MonkeyPatch) -> None:
    token = jwt.encode(token={"sub": "1"}, secret=SECRET, format="v4")
    header = {"cookie": f"__Secure-next-auth.session-token={token}"}
    https, http = node_v4.run(
        [
            node_get_token("v4", header, env={"NEXTAUTH_URL": "https://example.com"}),
            node_get_token("v4", header, env={"NEXTAUTH_URL": "http://example.com"}),
        ]
    )
    assert https["sub"] == "1"
    assert http is None
    monkeypatch.setenv("NEXTAUTH_URL", "https://example.com")
    request = type("Req", (), {"headers": header})()
    assert jwt.get_token(request, secret=SECRET, format="v4") is not None


def test_chunked_python_cookie_is_read_by_node(node_oracle: NodeOracle) -> None:
    fmt = node_oracle.format
    name = cookie_names(fmt, False).session_token
    big = secrets.token_urlsafe(4800)  # 6400 characters of claim
    token = jwt.encode(token={"sub": "1", "big": big}, secret=SECRET, salt=session_salt(fmt, False), format=fmt)
    cookies = chunk_cookies(Cookie(name=name, value=""), token, [], fmt)
    assert len(cookies) == -(-len(token) // chunk_size(fmt)) >= 2
    assert [c.name for c in cookies] == [f"{name}.{i}" for i in range(len(cookies))]
    header = "; ".join(f"{c.name}={encode_uri_component(c.value)}" for c in reversed(cookies))
    ours_raw, ours = node_oracle.run(
        [
            node_get_token(fmt, {"cookie": header}, raw=True),
            node_get_token(fmt, {"cookie": header}),
        ]
    )
    assert ours_raw == token
    assert ours["big"] == big


def test_node_token_split_at_chunk_size_is_read_by_python(node_oracle: NodeOracle) -> None:
    fmt = node_oracle.format
    name = cookie_names(fmt, True).session_token
    big = secrets.token_urlsafe(4800)
    [token] = node_oracle.run([encode_op(fmt, {"big": big}, SECRET, session_salt(fmt, True))])
    size = chunk_size(fmt)
    assert size == (3933 if fmt == "v4" else 3936)
    chunks = [token[i : i + size] for i in range(0, len(token), size)]
    header = "; ".join(f"{name}.{i}={chunk}" for i, chunk in enumerate(chunks))
    request = type("Req", (), {"headers": {"Cookie": header}})()
    claims = jwt.get_token(request, secret=SECRET, secure_cookie=True, format=fmt)
    assert claims is not None
    assert claims["big"] == big
    # node agrees on its own split
    [node_claims] = node_oracle.run([node_get_token(fmt, {"cookie": header}, secureCookie=True)])
    assert node_claims["big"] == big


@pytest.mark.parametrize(
    "case",
    ["bearer", "cookie wins over bearer", "garbage cookie blocks bearer", "malformed percent", "bearer no token"],
)
def test_get_token_edge_cases_match_node(node_oracle: NodeOracle, case: str) -> None:
    fmt = node_oracle.format
    name = cookie_names(fmt, False).session_token
    salt = session_salt(fmt, False)
    bearer = jwt.encode(token={"sub": "bearer"}, secret=SECRET, salt=salt, format=fmt)
    cookie = jwt.encode(token={"sub": "cookie"}, secret=SECRET, salt=salt, format=fmt)
    headers = {
        "bearer": {"authorization": f"Bearer {encode_uri_component(bearer)}"},
        "cookie wins over bearer": {"authorization": f"Bearer {bearer}", "cookie": f"{name}={cookie}"},
        "garbage cookie blocks bearer": {"authorization": f"Bearer {bearer}", "cookie": f"{name}=garbage"},
        "malformed percent": {"authorization": "Bearer %E0%A4%A"},
        "bearer no token": {"authorization": "Bearer"},
    }[case]
    node_raw, node_claims = node_oracle.run([node_get_token(fmt, headers, raw=True), node_get_token(fmt, headers)])
    request = type("Req", (), {"headers": headers})()
    ours = jwt.get_token(request, secret=SECRET, format=fmt)
    assert (ours or {}).get("sub") == (node_claims or {}).get("sub")
    ours_raw = jwt.get_token(request, raw=True, format=fmt)
    if case == "bearer no token":
        # JavaScript decodes `undefined` into the string "undefined"; we find no token at all.
        assert (node_raw, ours_raw) == ("undefined", None)
    else:
        assert ours_raw == node_raw


# --- CSRF -------------------------------------------------------------------------------------


def set_cookie_values(set_cookies: list[str]) -> dict[str, str]:
    out = {}
    for line in set_cookies:
        name, _, value = line.split(";", 1)[0].partition("=")
        out[name] = unquote(value)
    return out


def csrf_name(format: Format, secure: bool) -> str:
    return cookie_names(format, secure).csrf_token


@pytest.mark.parametrize("secure", [False, True])
def test_v4_handler_accepts_python_csrf_cookie(node_v4: NodeOracle, secure: bool) -> None:
    name = csrf_name("v4", secure)
    ours = check_csrf(None, SECRET, body_token=None, is_post=False)
    assert ours.new_cookie_value is not None
    cookie_header = f"{name}={encode_uri_component(ours.new_cookie_value)}"
    base = {"secret": SECRET, "useSecureCookies": secure, "headers": {"cookie": cookie_header}}
    get_csrf, signout, signout_bad, fresh = node_v4.run(
        [
            {"op": "handler", "action": "csrf", "method": "GET", **base},
            {"op": "handler", "action": "signout", "method": "POST", "body": {"csrfToken": ours.token}, **base},
            {"op": "handler", "action": "signout", "method": "POST", "body": {"csrfToken": "nope"}, **base},
            {"op": "handler", "action": "csrf", "method": "GET", "secret": SECRET, "useSecureCookies": secure},
        ]
    )
    # (a) the token from our cookie is reused and no new CSRF cookie is set
    assert get_csrf["body"] == {"csrfToken": ours.token}
    assert name not in {c["name"] for c in get_csrf["cookies"]}
    # (b) our cookie plus the body token passes the double-submit check
    assert signout["redirect"] == "http://localhost:3000"  # signed out, back to the callback URL
    assert signout_bad["redirect"].endswith("/signout?csrf=true")
    # (c) a cookie next-auth made passes our check
    [made] = [c for c in fresh["cookies"] if c["name"] == name]
    assert made["options"]["secure"] is secure
    check = check_csrf(made["value"], SECRET, body_token=fresh["body"]["csrfToken"], is_post=True)
    assert check.verified
    assert check.new_cookie_value is None


@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("secret", [SECRET, [SECRET, "older"]])
def test_v5_auth_accepts_python_csrf_cookie(node_v5: NodeOracle, secure: bool, secret: str | list[str]) -> None:
    name = csrf_name("v5", secure)
    origin = "https://app.example.com" if secure else "http://localhost:3000"
    hash_secret = csrf_secret(tuple(secret)) if isinstance(secret, list) else secret
    ours = check_csrf(None, hash_secret, body_token=None, is_post=False)
    assert ours.new_cookie_value is not None
    headers = {"cookie": f"{name}={encode_uri_component(ours.new_cookie_value)}"}
    get_csrf, signout, signout_bad, fresh = node_v5.run(
        [
            {"op": "auth", "url": f"{origin}/auth/csrf", "headers": headers, "secret": secret},
            {
                "op": "auth",
                "url": f"{origin}/auth/signout",
                "method": "POST",
                "headers": headers,
                "form": {"csrfToken": ours.token},
                "secret": secret,
            },
            {
                "op": "auth",
                "url": f"{origin}/auth/signout",
                "method": "POST",
                "headers": headers,
                "form": {"csrfToken": "nope"},
                "secret": secret,
            },
            {"op": "auth", "url": f"{origin}/auth/csrf", "secret": secret},
        ]
    )
    # (a)
    assert get_csrf["status"] == 200
    assert get_csrf["body"] == f'{{"csrfToken":"{ours.token}"}}'
    assert name not in set_cookie_values(get_csrf["setCookies"])
    # (b)
    assert signout["status"] == 302
    assert signout["location"] == origin  # signed out, back to the callback URL
    assert "error=MissingCSRF" in signout_bad["location"]
    # (c)
    made = set_cookie_values(fresh["setCookies"])[name]
    token = fresh["body"].split('"')[3]
    check = check_csrf(made, hash_secret, body_token=token, is_post=True)
    assert check.verified
    assert check.new_cookie_value is None


def test_oracle_reports_node_errors(node_v5: NodeOracle) -> None:
    with pytest.raises(OracleError, match="Invalid Compact JWE"):
        node_v5.call("decode", token="a.b.c", secret=SECRET, salt="authjs.session-token")
