"""A session made by authsession opens a Next.js 14 + next-auth 4 app, and the reverse.

Both apps are real: ``next start`` serving ``tests/node/nextjs`` (see ``conftest.py``) and a
FastAPI app with :class:`~authsession.integrations.fastapi.AuthSession`, served in-process
through ``httpx2.ASGITransport``. They share a secret, the v4 format and the same pages
(``/profile``, ``/api/me``), so every test can run in both directions. Cookies travel the way
a browser would carry them between two sites that share a session cookie: by hand, as raw
``Set-Cookie`` values turned into a ``Cookie`` header.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from authsession import jwt
from authsession.testing import session_cookies
from nextjs_app import ADA, BABBAGE, BIG_CLAIM_LENGTH, LOGGED_OUT, PASSWORD, twin_app, twin_options

from .peers import SECRET
from .sites import SESSION_COOKIE, Jar, Site, assert_signed_in, set_cookies

pytestmark = pytest.mark.node

PY_URL = "http://python.interop.test"
CSRF_COOKIE = "next-auth.csrf-token"
#: next-auth 4 chunk size: 4096 minus an estimated 163 bytes of cookie overhead (protocol §2.3).
V4_CHUNK_SIZE = 3933
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
BOTH_WAYS = pytest.mark.parametrize(("maker", "reader"), [("python", "nextjs"), ("nextjs", "python")])


# --- the Python app: the mirror image of tests/node/nextjs --------------------------------------


def make_python_app() -> FastAPI:
    return twin_app(twin_options(secret=SECRET, url=PY_URL))


@pytest.fixture
async def python_site() -> AsyncIterator[Site]:
    transport = httpx2.ASGITransport(app=make_python_app())
    async with httpx2.AsyncClient(transport=transport, base_url=PY_URL) as client:
        yield Site("python", client)


@pytest.fixture
async def nextjs_site(nextjs_server: str) -> AsyncIterator[Site]:
    async with httpx2.AsyncClient(base_url=nextjs_server, timeout=30) as client:
        yield Site("nextjs", client)


@pytest.fixture
def sites(python_site: Site, nextjs_site: Site) -> dict[str, Site]:
    return {"python": python_site, "nextjs": nextjs_site}


# --- 1 and 2: a session made on one side opens the other side's pages ---------------------------


@BOTH_WAYS
async def test_session_opens_the_other_sides_pages(sites: dict[str, Site], maker: str, reader: str) -> None:
    jar = await sites[maker].sign_in(ADA)
    assert jar.session_names() == [SESSION_COOKIE]
    await assert_signed_in(sites[reader], jar.only_session(), ADA)


@pytest.mark.parametrize("maker", ["nextjs", "python"])
async def test_session_json_is_the_same_on_both_sides(sites: dict[str, Site], maker: str) -> None:
    jar = await sites[maker].sign_in(ADA)
    py = (await sites["python"].get("/api/auth/session", jar.only_session())).json()
    nx = (await sites["nextjs"].get("/api/auth/session", jar.only_session())).json()
    assert py.keys() == nx.keys() == {"user", "expires"}
    assert py["user"] == nx["user"] == {"name": ADA["name"], "email": ADA["email"]}
    assert ISO_MS.fullmatch(py["expires"]), py["expires"]
    assert ISO_MS.fullmatch(nx["expires"]), nx["expires"]
    py_expires = datetime.fromisoformat(py["expires"])
    nx_expires = datetime.fromisoformat(nx["expires"])
    assert abs((py_expires - nx_expires).total_seconds()) < 10
    # The default 30-day session on both sides.
    assert abs((py_expires - datetime.now(UTC)).total_seconds() - 30 * 24 * 3600) < 60


@pytest.mark.parametrize(
    ("user", "claims"), [(ADA, {}), (BABBAGE, {"notes": "n" * BIG_CLAIM_LENGTH})], ids=["one", "chunked"]
)
@pytest.mark.parametrize("reader", ["nextjs", "python"])
async def test_a_minted_session_opens_both_sides(
    sites: dict[str, Site], reader: str, user: dict[str, str], claims: dict[str, str]
) -> None:
    # authsession.testing's cookies are what a user's tests rely on: the real next-auth must agree.
    minted = session_cookies(twin_options(secret=SECRET, url=PY_URL), user, claims=claims)
    jar = Jar(dict(minted.cookies))
    names = [f"{SESSION_COOKIE}.0", f"{SESSION_COOKIE}.1"] if claims else [SESSION_COOKIE]
    assert jar.session_names() == names
    session = await assert_signed_in(sites[reader], jar, user)
    assert session.get("notesLength") == (BIG_CLAIM_LENGTH if claims else None)


# --- 3: a chunked session (a 5000-character claim) --------------------------------------------


@BOTH_WAYS
async def test_chunked_session_is_read_by_the_other_side(sites: dict[str, Site], maker: str, reader: str) -> None:
    jar = await sites[maker].sign_in(BABBAGE)
    assert jar.session_names() == [f"{SESSION_COOKIE}.0", f"{SESSION_COOKIE}.1"]
    assert len(jar.values[f"{SESSION_COOKIE}.0"]) == V4_CHUNK_SIZE
    session = await assert_signed_in(sites[reader], jar.only_session(), BABBAGE)
    assert session["notesLength"] == BIG_CLAIM_LENGTH
    # The reader writes the refreshed token back in chunks of the same size.
    refreshed = jar.only_session()
    response = await sites[reader].get("/api/auth/session", refreshed)
    written = {c.name: c for c in set_cookies(response) if c.name.startswith(SESSION_COOKIE)}
    assert sorted(written) == [f"{SESSION_COOKIE}.0", f"{SESSION_COOKIE}.1"]
    assert not any(c.deleted for c in written.values())
    assert len(written[f"{SESSION_COOKIE}.0"].value) == V4_CHUNK_SIZE


@BOTH_WAYS
async def test_chunks_read_by_the_other_side_keep_the_claim(sites: dict[str, Site], maker: str, reader: str) -> None:
    """The big claim survives the other side's decode and re-encode, and comes back intact."""
    jar = (await sites[maker].sign_in(BABBAGE)).only_session()
    await sites[reader].get("/api/auth/session", jar)  # the reader rewrites both chunks
    back = (await sites[maker].get("/api/auth/session", jar.copy())).json()
    assert back["notesLength"] == BIG_CLAIM_LENGTH
    token = jwt.decode(
        token=jar.values[f"{SESSION_COOKIE}.0"] + jar.values[f"{SESSION_COOKIE}.1"], secret=SECRET, format="v4"
    )
    assert token is not None
    assert token["notes"] == "n" * BIG_CLAIM_LENGTH
    assert token["sub"] == BABBAGE["id"]


# --- 4: the cookie refreshed on a session read is accepted by the other side -------------------


@BOTH_WAYS
@pytest.mark.parametrize("user", [ADA, BABBAGE], ids=["single", "chunked"])
@pytest.mark.parametrize("path", ["/api/auth/session", "/profile", "/api/me"])
async def test_refreshed_cookie_is_accepted_by_the_other_side(
    sites: dict[str, Site], maker: str, reader: str, user: dict[str, str], path: str
) -> None:
    signed_in = (await sites[maker].sign_in(user)).only_session()
    jar = signed_in.copy()
    response = await sites[reader].get(path, jar)
    assert response.status_code == 200
    refreshed = [c for c in set_cookies(response) if c.name.startswith(SESSION_COOKIE)]
    assert refreshed, f"{reader} {path} did not refresh the session cookie"
    assert all(not c.deleted and "expires" in c.attributes for c in refreshed)
    assert jar.session_names() == signed_in.session_names()
    assert jar.values != signed_in.values, "the refreshed token should be a new encryption"
    # The refreshed cookie goes back to the side that made the session, and round again.
    await assert_signed_in(sites[maker], jar, user)
    await sites[maker].get("/api/auth/session", jar)
    await assert_signed_in(sites[reader], jar, user)


# --- 5: anonymous visitors and garbage cookies ------------------------------------------------


def _foreign_token() -> str:
    return jwt.encode(
        token={"name": "Mallory", "email": "m@example.com", "sub": "9"}, secret="another-secret", format="v4"
    )


def _expired_token() -> str:
    claims = {"name": "Ada Lovelace", "email": "ada@example.com", "sub": "1"}
    return jwt.encode(token=claims, secret=SECRET, max_age=-3600, format="v4")


BAD_COOKIES: dict[str, Any] = {
    "anonymous": dict,
    "garbage": lambda: {SESSION_COOKIE: "garbage"},
    "five-dots": lambda: {SESSION_COOKIE: "a.b.c.d.e"},
    "percent-junk": lambda: {SESSION_COOKIE: "%E0%A4%A.%ZZ"},
    "other-secret": lambda: {SESSION_COOKIE: _foreign_token()},
    "expired": lambda: {SESSION_COOKIE: _expired_token()},
    "truncated": lambda: {SESSION_COOKIE: _expired_token()[:-10]},
    "garbage-chunks": lambda: {f"{SESSION_COOKIE}.0": "abc", f"{SESSION_COOKIE}.1": "def"},
    "csrf-only": lambda: {CSRF_COOKIE: "nonsense"},
}


@pytest.mark.parametrize("case", list(BAD_COOKIES))
async def test_bad_or_missing_cookie_means_logged_out_on_both_sides(sites: dict[str, Site], case: str) -> None:
    cookies: dict[str, str] = BAD_COOKIES[case]()
    cleared: dict[str, set[str]] = {}
    for site in sites.values():
        page = await site.get("/profile", Jar(dict(cookies)))
        assert page.status_code == 200, f"{site.name}: {page.status_code} {page.text[:500]}"
        assert LOGGED_OUT in page.text, f"{site.name}: {page.text[:500]}"
        assert "Welcome" not in page.text
        me = await site.get("/api/me", Jar(dict(cookies)))
        assert me.status_code == 200, f"{site.name}: {me.status_code} {me.text[:500]}"
        assert me.json() == {"userEmail": None}
        session = await site.get("/api/auth/session", Jar(dict(cookies)))
        assert session.status_code == 200
        assert session.json() == {}
        cleared[site.name] = {c.name for c in set_cookies(session) if c.deleted}
    # Both sides clear the same (unreadable) session cookies.
    assert cleared["python"] == cleared["nextjs"], cleared


# --- 6: CSRF cookies are interchangeable ------------------------------------------------------


@BOTH_WAYS
async def test_csrf_cookie_from_one_side_signs_out_on_the_other(
    sites: dict[str, Site], maker: str, reader: str
) -> None:
    jar = await sites[reader].sign_in(ADA)
    jar.values.pop(CSRF_COOKIE)
    token = await sites[maker].csrf_token(jar)  # the CSRF cookie now comes from `maker`
    minted = jar.values[CSRF_COOKIE]
    response = await sites[reader].request("POST", "/api/auth/signout", jar, {"csrfToken": token})
    assert response.status_code in (302, 303, 307), response.text
    assert "csrf=true" not in response.headers["location"], response.headers["location"]
    # The reader kept the cookie (no new one minted) and signed the user out.
    written = {c.name: c for c in set_cookies(response)}
    assert CSRF_COOKIE not in written
    assert jar.values[CSRF_COOKIE] == minted
    assert written[SESSION_COOKIE].deleted
    assert not jar.session_names()


@BOTH_WAYS
async def test_wrong_csrf_token_is_refused_on_both_sides(sites: dict[str, Site], maker: str, reader: str) -> None:
    """The control for the test above: a token that does not match the cookie is refused."""
    jar = await sites[reader].sign_in(ADA)
    jar.values.pop(CSRF_COOKIE)
    await sites[maker].csrf_token(jar)
    response = await sites[reader].request("POST", "/api/auth/signout", jar, {"csrfToken": "0" * 64})
    assert response.status_code in (302, 303, 307)
    assert "csrf=true" in response.headers["location"]
    assert jar.session_names() == [SESSION_COOKIE]


@BOTH_WAYS
async def test_csrf_cookie_from_one_side_signs_in_on_the_other(sites: dict[str, Site], maker: str, reader: str) -> None:
    jar = Jar()
    token = await sites[maker].csrf_token(jar)
    data = {"csrfToken": token, "email": ADA["email"], "password": PASSWORD, "json": "true"}
    response = await sites[reader].request("POST", "/api/auth/callback/credentials", jar, data)
    assert response.status_code == 200, response.text
    assert "csrf=true" not in response.json()["url"]
    assert CSRF_COOKIE not in {c.name for c in set_cookies(response)}
    await assert_signed_in(sites[maker], jar, ADA)


# --- the same answers, cookie for cookie ------------------------------------------------------


def session_cookie_shape(response: httpx2.Response) -> list[tuple[str, bool, tuple[tuple[str, str], ...]]]:
    """Each session cookie the response writes: name, deleted?, attributes (``Expires`` aside)."""
    return sorted(
        (c.name, c.deleted, tuple(sorted((k, v) for k, v in c.attributes.items() if k != "expires")))
        for c in set_cookies(response)
        if c.name.startswith(SESSION_COOKIE)
    )


def expires_of(response: httpx2.Response) -> datetime:
    (value,) = {c.attributes["expires"] for c in set_cookies(response) if c.name.startswith(SESSION_COOKIE)}
    return parsedate_to_datetime(value)


@pytest.mark.parametrize("user", [ADA, BABBAGE], ids=["single", "chunked"])
async def test_session_cookies_have_the_same_attributes(sites: dict[str, Site], user: dict[str, str]) -> None:
    sign_ins, reads = {}, {}
    for site in sites.values():
        jar = Jar()
        data = {"csrfToken": await site.csrf_token(jar), "email": user["email"], "password": PASSWORD, "json": "true"}
        sign_ins[site.name] = await site.request("POST", "/api/auth/callback/credentials", jar, data)
        reads[site.name] = await site.get("/api/auth/session", jar.only_session())
    for responses in (sign_ins, reads):
        py, nx = responses["python"], responses["nextjs"]
        assert session_cookie_shape(py) == session_cookie_shape(nx)
        assert abs((expires_of(py) - expires_of(nx)).total_seconds()) < 10


def _odd_jars(ada: Jar, babbage: Jar) -> dict[str, dict[str, str]]:
    token = ada.values[SESSION_COOKIE]
    chunks = babbage.only_session().values
    return {
        "valid": {SESSION_COOKIE: token},
        "valid-quoted": {SESSION_COOKIE: f'"{token}"'},
        "valid-percent-encoded": {SESSION_COOKIE: token.replace(".", "%2E")},
        "chunks-in-reverse-order": dict(reversed(chunks.items())),
        "chunk-missing": {f"{SESSION_COOKIE}.0": chunks[f"{SESSION_COOKIE}.0"]},
        "chunks-and-stale-plain-cookie": {SESSION_COOKIE: "stale", **chunks},
        "plain-and-stray-suffix": {SESSION_COOKIE: token, f"{SESSION_COOKIE}.old": "stray"},
        "plain-and-stray-dash-name": {SESSION_COOKIE: token, f"{SESSION_COOKIE}-legacy": "stray"},
        "plain-and-empty-chunk": {SESSION_COOKIE: token, f"{SESSION_COOKIE}.0": ""},
    }


@pytest.mark.parametrize(
    "case",
    [
        "valid",
        "valid-quoted",
        "valid-percent-encoded",
        "chunks-in-reverse-order",
        "chunk-missing",
        "chunks-and-stale-plain-cookie",
        "plain-and-stray-suffix",
        "plain-and-stray-dash-name",
        "plain-and-empty-chunk",
    ],
)
async def test_odd_cookie_jars_get_the_same_answer(sites: dict[str, Site], case: str) -> None:
    """Both sides agree on who is signed in and on which session cookies to write or delete."""
    cookies = _odd_jars(await sites["nextjs"].sign_in(ADA), await sites["nextjs"].sign_in(BABBAGE))[case]
    answers = {}
    for site in sites.values():
        response = await site.get("/api/auth/session", Jar(dict(cookies)))
        body = response.json()
        body.pop("expires", None)
        answers[site.name] = (response.status_code, body, session_cookie_shape(response))
    assert answers["python"] == answers["nextjs"]
