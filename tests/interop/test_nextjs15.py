"""A session made by authsession opens a Next.js 15 + next-auth 5 app, and the reverse.

The apps are real: ``next start`` serving ``tests/node/nextjs15`` (App Router; ``/profile`` is a
React Server Component and ``/api/me`` a Route Handler, both calling ``auth()``) and
authsession's FastAPI twin in the v5 format. Both share a secret.

JWT sessions: the credentials sign-in on either side, the Python app in-process, cookies carried
by hand (``sites.py``). Database sessions: the Next.js app with ``@auth/pg-adapter`` and the
Python app under uvicorn with the SQLAlchemy adapter, on one PostgreSQL database, each signing
in through the same OpenID Provider; both on ``localhost``, so one user agent's cookie jar
carries the session between them as a browser's would. Signing out on either side must end the
session on both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx2
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.providers import OIDC
from helpers import driver_dsn
from nextjs_app import ADA, BABBAGE, BIG_CLAIM_LENGTH, LOGGED_OUT, twin_app, twin_options
from oauth.app import LiveServer, UserAgent, build_app, build_options, with_query

from .peers import SECRET, WELCOME, DatabaseInterop, OIDCInterop, page, signed_in_through
from .sites import Jar, Site, assert_signed_in, set_cookies

pytestmark = pytest.mark.node

PY_URL = "http://python.interop.test"
SESSION_COOKIE = "authjs.session-token"
CSRF_COOKIE = "authjs.csrf-token"
CALLBACK_URL_COOKIE = "authjs.callback-url"
BOTH_WAYS = pytest.mark.parametrize(("maker", "reader"), [("python", "nextjs"), ("nextjs", "python")])
USERS = pytest.mark.parametrize("user", [ADA, BABBAGE], ids=["single", "chunked"])


# --- JWT sessions -------------------------------------------------------------------------------


@pytest.fixture
async def python_site() -> AsyncIterator[Site]:
    app = twin_app(twin_options(secret=SECRET, url=PY_URL, format="v5"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=PY_URL) as client:
        yield Site("python", client, SESSION_COOKIE)


@pytest.fixture
async def nextjs_site(nextjs15_server: str) -> AsyncIterator[Site]:
    async with httpx2.AsyncClient(base_url=nextjs15_server, timeout=30) as client:
        yield Site("nextjs", client, SESSION_COOKIE)


@pytest.fixture
def sites(python_site: Site, nextjs_site: Site) -> dict[str, Site]:
    return {"python": python_site, "nextjs": nextjs_site}


async def assert_signed_out(site: Site, jar: Jar) -> None:
    profile = await site.get("/profile", jar.copy())
    assert profile.status_code == 200
    assert LOGGED_OUT in profile.text, f"{site.name}: {profile.text[:500]}"
    assert (await site.get("/api/me", jar.copy())).json() == {"userEmail": None}
    assert (await site.get("/api/auth/session", jar.copy())).json() is None


@BOTH_WAYS
@USERS
async def test_jwt_session_opens_the_other_sides_pages(
    sites: dict[str, Site], maker: str, reader: str, user: dict[str, str]
) -> None:
    jar = await sites[maker].sign_in(user)
    chunked = user is BABBAGE
    assert jar.session_names() == ([f"{SESSION_COOKIE}.0", f"{SESSION_COOKIE}.1"] if chunked else [SESSION_COOKIE])
    session = await assert_signed_in(sites[reader], jar.only_session(), user)
    assert session.get("notesLength") == (BIG_CLAIM_LENGTH if chunked else None)
    # Both sides answer the same session JSON for the same cookie (but for the second of expiry).
    mine = (await sites[maker].get("/api/auth/session", jar.only_session())).json()
    assert {k: v for k, v in mine.items() if k != "expires"} == {k: v for k, v in session.items() if k != "expires"}


@BOTH_WAYS
@USERS
async def test_refreshed_jwt_cookie_is_accepted_by_the_other_side(
    sites: dict[str, Site], maker: str, reader: str, user: dict[str, str]
) -> None:
    signed_in = (await sites[maker].sign_in(user)).only_session()
    jar = signed_in.copy()
    response = await sites[reader].get("/api/auth/session", jar)
    assert response.status_code == 200
    refreshed = [c for c in set_cookies(response) if c.name.startswith(SESSION_COOKIE)]
    assert refreshed, f"{reader} did not refresh the session cookie"
    assert all(not c.deleted and "expires" in c.attributes for c in refreshed)
    assert jar.session_names() == signed_in.session_names()
    assert jar.values != signed_in.values, "the refreshed token should be a new encryption"
    await assert_signed_in(sites[maker], jar, user)


@pytest.mark.parametrize("path", ["/profile", "/api/me"])
async def test_only_python_refreshes_the_cookie_on_a_server_side_read(sites: dict[str, Site], path: str) -> None:
    """next-auth 5's ``auth()`` (no arguments: Server Components and Route Handlers) reads the
    session and writes nothing; ``get_server_session`` writes the slid expiry on the response."""
    jar = (await sites["nextjs"].sign_in(ADA)).only_session()
    written = {}
    for site in sites.values():
        response = await site.get(path, jar.copy())
        assert "Ada Lovelace" in response.text or "ada@example.com" in response.text, response.text[:500]
        written[site.name] = [c.name for c in set_cookies(response) if c.name.startswith(SESSION_COOKIE)]
    assert written == {"python": [SESSION_COOKIE], "nextjs": []}


@BOTH_WAYS
@USERS
async def test_jwt_sign_out_on_one_side_ends_the_session_on_both(
    sites: dict[str, Site], maker: str, reader: str, user: dict[str, str]
) -> None:
    jar = await sites[maker].sign_in(user)
    # The reader takes the maker's CSRF cookie (the same name in v5) and signs the user out.
    token = await sites[reader].csrf_token(jar)
    response = await sites[reader].request("POST", "/api/auth/signout", jar, {"csrfToken": token})
    assert response.status_code in (302, 303), response.text
    assert "csrf=true" not in response.headers["location"], response.headers["location"]
    assert jar.session_names() == [], "every session cookie (each chunk) is deleted"
    for site in sites.values():
        await assert_signed_out(site, jar)


# --- where authsession differs on purpose, against the real app (docs/compatibility.md) ----------


@pytest.mark.parametrize(("suffix", "refused_by"), [("", set()), ("%7Cjunk", {"python"})], ids=["plain", "junk"])
async def test_a_csrf_cookie_with_junk_after_its_hash_is_refused_only_here(
    sites: dict[str, Site], suffix: str, refused_by: set[str]
) -> None:
    """Auth.js splits the cookie on ``|`` and ignores a third part; authsession refuses the cookie."""
    jar = sites["nextjs"].jar()
    token = await sites["nextjs"].csrf_token(jar)
    cookie = jar.values[CSRF_COOKIE] + suffix
    refused = set()
    for site in sites.values():
        response = await site.request("POST", "/api/auth/signout", Jar({CSRF_COOKIE: cookie}), {"csrfToken": token})
        assert response.status_code == 302, f"{site.name}: {response.status_code}"
        if "error=MissingCSRF" in response.headers["location"]:
            refused.add(site.name)
    assert refused == refused_by


async def test_a_callback_url_cookie_that_is_no_url_is_ignored_here_and_a_500_on_auth_js(
    sites: dict[str, Site],
) -> None:
    statuses = {}
    for site in sites.values():
        jar = Jar({CALLBACK_URL_COOKIE: "javascript:alert(1)"})
        response = await site.get("/api/auth/csrf", jar)
        statuses[site.name] = response.status_code
        if site.name == "python":
            assert jar.values[CALLBACK_URL_COOKIE].startswith("http"), "authsession overwrites it"
    assert statuses == {"python": 200, "nextjs": 500}


async def test_a_query_callback_url_that_is_no_url_is_a_400_here_and_a_500_on_auth_js(
    sites: dict[str, Site],
) -> None:
    answers = {}
    for site in sites.values():
        response = await site.get("/api/auth/csrf?callbackUrl=javascript:alert(1)")
        answers[site.name] = (response.status_code, response.json())
    assert answers["python"][0] == 400
    assert answers["nextjs"][0] == 500
    assert answers["python"][1] == answers["nextjs"][1], "the same configuration-error body"


async def test_only_authsession_sends_security_headers_with_its_built_in_pages(sites: dict[str, Site]) -> None:
    for site in sites.values():
        response = await site.get("/api/auth/signin")
        assert response.status_code == 200
        present = {name for name in ("content-security-policy", "x-frame-options") if name in response.headers}
        assert present == ({"content-security-policy", "x-frame-options"} if site.name == "python" else set())


async def test_other_methods_are_a_400_here_and_a_405_from_nextjs(sites: dict[str, Site]) -> None:
    """A next-auth route file exports GET and POST only, so Next.js itself answers other methods."""
    answers = {}
    for site in sites.values():
        response = await site.request("PUT", "/api/auth/session")
        answers[site.name] = response.status_code
    assert answers == {"python": 400, "nextjs": 405}


@pytest.fixture(scope="module")
def python_oidc_app(nextjs15_oidc: OIDCInterop) -> Iterator[str]:
    """authsession's OAuth test app (v5, JWT sessions, every ``defect-<d>`` provider) on localhost."""
    stack = nextjs15_oidc
    options = build_options("v5", stack.op, secret=SECRET, url=stack.python_url)
    site = LiveServer(build_app(options), stack.python_socket).start()
    try:
        yield stack.python_url
    finally:
        site.stop()


@pytest.mark.parametrize(
    ("defect", "auth_js_signs_in"),
    [("key", True), ("kid", True), ("none", False), ("iss", False)],
    ids=["signed-by-another-key", "unknown-kid", "alg-none", "wrong-iss"],
)
def test_id_tokens_auth_js_does_not_verify_are_refused_here(
    nextjs15_oidc: OIDCInterop, python_oidc_app: str, defect: str, auth_js_signs_in: bool
) -> None:
    """The provider's token endpoint answers with a defective ID token (tests/node/oidc/server.mjs).

    @auth/core (oauth4webapi) does not check the signature of an ID token that comes from the
    token endpoint; authsession checks it against the JWKS. Both refuse an unsigned one and a
    wrong ``iss`` (the controls).
    """
    signed_in = {}
    for name, url in {"python": python_oidc_app, "nextjs": nextjs15_oidc.nextjs_url}.items():
        agent = UserAgent(url)
        try:
            response = agent.sign_in(f"defect-{defect}", callback_url=f"{url}/profile")
            assert response.status_code == 302, f"{name}: {response.status_code} {response.text[:300]}"
            signed_in[name] = WELCOME in page(agent, f"{url}/profile")
        finally:
            agent.close()
    assert signed_in == {"python": False, "nextjs": auth_js_signs_in}


@pytest.mark.parametrize(
    ("change", "lands_on"),
    [
        ({"iss": None}, "/api/auth/error?error=Configuration"),
        ({"iss": "http://127.0.0.1:1"}, "/api/auth/error?error=Configuration"),
        ({"error": "access_denied", "code": None}, "/api/auth/signin?error=OAuthCallbackError"),
    ],
    ids=["without-iss", "wrong-iss", "provider-error"],
)
def test_a_failed_oauth_callback_ends_where_auth_js_sends_it(
    nextjs15_oidc: OIDCInterop, python_oidc_app: str, change: dict[str, str | None], lands_on: str
) -> None:
    """The provider's answer, changed on the way back: both apps send the browser to the same page.

    The provider advertises RFC 9207's ``iss`` parameter, so a callback without it is refused.
    """
    for url in (python_oidc_app, nextjs15_oidc.nextjs_url):
        agent = UserAgent(url)
        try:
            callback = agent.authorize(agent.start_sign_in("local", f"{url}/profile"))
            response = agent.request("GET", with_query(callback, **change))
            assert response.status_code == 302, f"{url}: {response.status_code} {response.text[:300]}"
            assert response.headers["location"] == f"{url}{lands_on}"
        finally:
            agent.close()


# --- database sessions on one PostgreSQL database ------------------------------------------------


@pytest.fixture(scope="module")
def python_database_app(nextjs15_database: DatabaseInterop) -> Iterator[str]:
    """authsession's app (v5, database sessions, the SQLAlchemy adapter) on the provider's socket."""
    stack = nextjs15_database
    provider = OIDC(
        id="local",
        name="Local OIDC",
        issuer=stack.op.issuer,
        client_id=stack.op.confidential.client_id,
        client_secret=stack.op.confidential.client_secret,
    )
    options = build_options(
        "v5",
        stack.op,
        secret=SECRET,
        url=stack.python_url,
        providers=[provider],
        # No pool: the server's event loop is a thread's, and nothing is left open when it stops.
        adapter=SQLAlchemyAdapter(create_async_engine(stack.database_url, poolclass=NullPool)),
        session={"strategy": "database"},
    )
    site = LiveServer(build_app(options), stack.python_socket).start()
    try:
        yield stack.python_url
    finally:
        site.stop()


@pytest.fixture
def agent(nextjs15_database: DatabaseInterop) -> Iterator[UserAgent]:
    """One cookie jar for both apps (both on ``localhost``)."""
    user_agent = UserAgent(nextjs15_database.nextjs_url)
    yield user_agent
    user_agent.close()


async def _fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(driver_dsn(database_url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def rows(stack: DatabaseInterop, sql: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(stack.database_url, sql, *args))


def origins(stack: DatabaseInterop, python_url: str) -> dict[str, str]:
    return {"python": python_url, "nextjs": stack.nextjs_url}


@BOTH_WAYS
def test_database_session_opens_the_other_sides_page(
    agent: UserAgent, nextjs15_database: DatabaseInterop, python_database_app: str, maker: str, reader: str
) -> None:
    stack = nextjs15_database
    apps = origins(stack, python_database_app)
    assert LOGGED_OUT in page(agent, f"{apps[reader]}/profile")
    signed_in_through(agent, apps[maker])

    token = agent.cookie(SESSION_COOKIE)
    assert token is not None
    assert "." not in token, "a database session's cookie is its opaque token, not a JWT"
    (session,) = rows(stack, 'SELECT "userId" FROM sessions WHERE "sessionToken" = $1', token)
    # Either side signing in as alice finds the one user and account the first sign-in stored.
    (user,) = rows(stack, "SELECT id, name, email FROM users")
    assert (user["name"], user["email"]) == ("Alice Liddell", "alice@example.com")
    assert session["userId"] == user["id"]
    (account,) = rows(stack, 'SELECT "userId", provider, "providerAccountId" FROM accounts')
    assert tuple(account) == (user["id"], "local", "alice")

    html = page(agent, f"{apps[reader]}/profile")
    assert WELCOME in html
    assert "Your email is alice@example.com" in html
    answers = {name: agent.request("GET", f"{url}/api/auth/session").json() for name, url in apps.items()}
    for answer in answers.values():
        assert answer.pop("expires")
    assert answers["python"] == answers["nextjs"]
    assert answers["nextjs"]["user"] == {"name": "Alice Liddell", "email": "alice@example.com", "image": None}


@BOTH_WAYS
def test_database_sign_out_on_one_side_ends_the_session_on_both(
    agent: UserAgent, nextjs15_database: DatabaseInterop, python_database_app: str, maker: str, reader: str
) -> None:
    stack = nextjs15_database
    apps = origins(stack, python_database_app)
    signed_in_through(agent, apps[maker])
    token = agent.cookie(SESSION_COOKIE)
    assert token is not None
    assert rows(stack, 'SELECT 1 FROM sessions WHERE "sessionToken" = $1', token)

    agent.app = apps[reader]
    response = agent.request("POST", "/api/auth/signout", data={"csrfToken": agent.csrf_token()})
    assert response.status_code in (302, 303), response.text
    assert "csrf=true" not in response.headers["location"]
    assert agent.cookie(SESSION_COOKIE) is None
    assert not rows(stack, 'SELECT 1 FROM sessions WHERE "sessionToken" = $1', token), "the row is deleted"
    # The old cookie, kept by someone, opens neither side any more.
    agent.set_cookie(SESSION_COOKIE, token)
    for url in apps.values():
        assert LOGGED_OUT in page(agent, f"{url}/profile")
        assert agent.request("GET", f"{url}/api/auth/session").json() is None
