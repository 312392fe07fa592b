"""``authsession.testing``'s session cookies: they open ``get_server_session`` in both formats,
under the ``__Secure-`` names, chunked, and in next-auth / Auth.js; a wrong secret opens nothing;
database sessions are rows made through the adapter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from authsession import AuthOptions, get_server_session, jwt
from authsession.adapters import MemoryAdapter
from authsession.integrations.starlette import install
from authsession.testing import asession_cookies, asign_in_as, session_cookies, sign_in_as
from helpers import REFRESH_AGE, SECRET, USER, NodeOracle, make_options

pytestmark = pytest.mark.usefixtures("clean_auth_env")

STEM = {"v4": "next-auth", "v5": "authjs"}
ADA = {"id": USER["id"], "name": USER["name"], "email": USER["email"], "image": USER["image"]}
#: Claims that make a token of about 5,500 characters: two cookies.
BIG = {"groups": ["g" * 40 for _ in range(90)]}
SESSION_USER = {"name": USER["name"], "email": USER["email"], "image": USER["image"]}


def app_for(options: AuthOptions) -> Starlette:
    async def me(request: Request) -> Response:
        return JSONResponse(await get_server_session(request, None, options))

    app = Starlette(routes=[Route("/me", me)])
    install(app, options)
    return app


@pytest.fixture(params=[False, True], ids=["http", "https"])
def secure(request: pytest.FixtureRequest) -> bool:
    value: bool = request.param
    return value


def site(secure: bool) -> str:
    return "https://testserver" if secure else "http://testserver"


@pytest.fixture
def options(format: str, secure: bool) -> AuthOptions:
    return make_options(format=format, url=site(secure))


@pytest.fixture
def client(options: AuthOptions, secure: bool) -> Iterator[TestClient]:
    with TestClient(app_for(options), base_url=site(secure)) as client:
        yield client


def test_the_cookie_opens_get_server_session(
    client: TestClient, options: AuthOptions, format: str, secure: bool
) -> None:
    cookies = sign_in_as(client, options, ADA)
    expected_name = ("__Secure-" if secure else "") + f"{STEM[format]}.session-token"
    assert cookies.name == expected_name
    assert list(cookies.cookies) == [expected_name]
    assert cookies.secure is secure
    session = client.get("/me").json()
    assert session["user"] == SESSION_USER


def test_the_token_is_what_sign_in_makes(options: AuthOptions, format: str, secure: bool) -> None:
    cookies = session_cookies(options, ADA, claims={"role": "admin"}, now=1_700_000_000)
    salt = "" if format == "v4" else cookies.name
    claims = jwt.decode(token=cookies.value, secret=SECRET, salt=salt, format=format, now=1_700_000_000)  # type: ignore[arg-type]
    assert claims is not None
    assert {k: claims[k] for k in ("sub", "name", "email", "picture", "role")} == {
        "sub": USER["id"],
        "name": USER["name"],
        "email": USER["email"],
        "picture": USER["image"],
        "role": "admin",
    }
    assert claims["exp"] - claims["iat"] == options.jwt_max_age
    assert cookies.expires == 1_700_000_000 + options.session.max_age


def test_a_long_token_is_chunked_as_the_server_chunks_it(
    client: TestClient, options: AuthOptions, format: str, secure: bool
) -> None:
    # Signed in long enough ago that the next read re-encrypts the token.
    cookies = sign_in_as(client, options, ADA, claims=BIG, now=time.time() - REFRESH_AGE)
    assert list(cookies.cookies) == [f"{cookies.name}.0", f"{cookies.name}.1"]
    response = client.get("/me")
    assert response.json()["user"] == SESSION_USER
    # The app refreshes the session: it writes the same chunks, the same sizes, in its own jar place.
    pairs = (header.split(";")[0].split("=", 1) for header in response.headers.get_list("set-cookie"))
    written = {name: value for name, value in pairs if name.startswith(cookies.name)}
    assert sorted(written) == sorted(cookies.cookies)
    assert [len(written[name]) for name in cookies.cookies] == [len(v) for v in cookies.cookies.values()]
    assert client.get("/me").json()["user"] == SESSION_USER


def test_signing_in_again_replaces_the_chunks(client: TestClient, options: AuthOptions) -> None:
    sign_in_as(client, options, ADA, claims=BIG)
    again = sign_in_as(client, options, {"id": "2", "name": "Grace", "email": "grace@example.com"})
    assert sorted(c.name for c in client.cookies.jar) == [again.name]
    assert client.get("/me").json()["user"] == {"name": "Grace", "email": "grace@example.com"}


def test_a_cookie_made_with_another_secret_opens_nothing(format: str) -> None:
    options = make_options(format=format, url="http://testserver")
    forged = make_options(format=format, url="http://testserver", secret="another-secret-0123456789abcdef01234567")
    with TestClient(app_for(options)) as client:
        sign_in_as(client, forged, ADA)
        assert client.get("/me").json() is None


def test_secure_cookies_are_sent_over_https_only(format: str) -> None:
    options = make_options(format=format, url="https://testserver")
    with TestClient(app_for(options), base_url="http://testserver") as client:
        cookies = sign_in_as(client, options, ADA)
        assert cookies.name.startswith("__Secure-")
        assert client.get("/me").json() is None  # as a browser: no Secure cookie over http
        assert client.get("https://testserver/me").json()["user"] == SESSION_USER


def test_without_a_url_the_client_scheme_decides(format: str) -> None:
    options = make_options(format=format)
    with TestClient(app_for(options), base_url="https://testserver") as client:
        assert sign_in_as(client, options, ADA).name == f"__Secure-{STEM[format]}.session-token"
        assert client.get("/me").json()["user"] == SESSION_USER
    with TestClient(app_for(options)) as client:
        assert sign_in_as(client, options, ADA).name == f"{STEM[format]}.session-token"
        assert client.get("/me").json()["user"] == SESSION_USER


def test_a_renamed_session_cookie(format: str) -> None:
    options = make_options(format=format, url="http://testserver", cookies={"session_token": {"name": "my-session"}})
    with TestClient(app_for(options)) as client:
        assert sign_in_as(client, options, ADA).name == "my-session"
        assert client.get("/me").json()["user"] == SESSION_USER


def test_the_app_clock_judges_the_token(format: str) -> None:
    # From the real time: the jar must keep the refreshed cookie, so only the token's exp ends it.
    now = [time.time()]
    options = make_options(format=format, url="http://testserver", session={"max_age": 3600}, clock=lambda: now[0])
    with TestClient(app_for(options)) as client:
        sign_in_as(client, options, ADA)
        now[0] += 1800
        assert client.get("/me").json()["user"] == SESSION_USER
        now[0] += 2 * 3600
        assert any(cookie.name == f"{STEM[format]}.session-token" for cookie in client.cookies.jar)
        assert client.get("/me").json() is None


async def test_an_async_httpx_client(format: str) -> None:
    options = make_options(format=format, url="http://app.test")
    transport = httpx2.ASGITransport(app=app_for(options))
    async with httpx2.AsyncClient(transport=transport, base_url="http://app.test") as client:
        await asign_in_as(client, options, ADA)
        assert (await client.get("/me")).json()["user"] == SESSION_USER


def test_the_cookie_header(format: str) -> None:
    options = make_options(format=format)
    cookies = session_cookies(options, ADA, claims=BIG)
    assert cookies.header() == "; ".join(f"{name}={value}" for name, value in cookies.cookies.items())
    assert cookies.value == "".join(cookies.cookies.values())


def test_what_it_refuses() -> None:
    options = make_options()
    with pytest.raises(ValueError, match="user to sign in as"):
        session_cookies(options)
    database = make_options(adapter=MemoryAdapter(), providers=[])
    with pytest.raises(ValueError, match="asession_cookies"):
        session_cookies(database, ADA)
    custom = make_options(jwt={"encode": lambda **kwargs: "x", "decode": lambda **kwargs: {}})
    with pytest.raises(ValueError, match="custom encode"):
        session_cookies(custom, ADA)


# --- the database strategy -------------------------------------------------------------------------------


async def test_a_database_session_is_a_row_made_through_the_adapter(format: str) -> None:
    adapter = MemoryAdapter()
    options = make_options(format=format, url="http://testserver", adapter=adapter, providers=[])
    with TestClient(app_for(options)) as client:
        cookies = await asign_in_as(client, options, {"name": "Ada", "email": "ada@example.com"})
        assert cookies.name == f"{STEM[format]}.session-token"
        found = await adapter.get_session_and_user(cookies.value)
        assert found is not None
        assert found[1]["email"] == "ada@example.com"
        assert found[0]["userId"] == cookies.user["id"]
        assert client.get("/me").json()["user"] == {"name": "Ada", "email": "ada@example.com", "image": None}

        again = await asession_cookies(options, {"email": "ada@example.com"})
        assert again.user["id"] == cookies.user["id"]  # the stored user, not a second one
        assert len(adapter.users) == 1

        await adapter.delete_session(cookies.value)  # revoked
        assert client.get("/me").json() is None


async def test_database_sessions_refuse_claims() -> None:
    options = make_options(adapter=MemoryAdapter(), providers=[])
    with pytest.raises(ValueError, match="claims"):
        await asession_cookies(options, ADA, claims={"role": "admin"})


# --- next-auth and Auth.js open them too -------------------------------------------------------------------


@pytest.mark.node
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("chunked", [False, True], ids=["one", "chunked"])
def test_node_get_token_opens_the_cookies(node_oracle: NodeOracle, secure: bool, chunked: bool) -> None:
    fmt = node_oracle.format
    options = make_options(format=fmt, url="https://testserver" if secure else "http://testserver")
    extra: dict[str, Any] = BIG if chunked else {}
    cookies = session_cookies(options, ADA, claims=extra)
    assert len(cookies.cookies) == (2 if chunked else 1)
    [claims] = node_oracle.run(
        [{"op": "getToken", "headers": {"cookie": cookies.header()}, "secret": SECRET, "secureCookie": secure}]
    )
    assert claims is not None
    assert (claims["sub"], claims["email"], claims.get("groups")) == (USER["id"], USER["email"], extra.get("groups"))
