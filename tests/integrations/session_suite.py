"""The tests every Starlette-family integration must pass, shared by inheritance.

A subclass provides ``build_app(options)`` (and, for a framework whose test client is not
Starlette's, ``open_client``): an app with the auth API mounted in one line and the
pages below, each calling ``get_server_session(request, <response or None>, options)``:

* ``/me``: the session as JSON (``null`` when anonymous)
* ``/page``: an ``HTMLResponse`` the endpoint builds itself
* ``/go``: a ``RedirectResponse`` to ``/``
* ``/twice``: calls ``get_server_session`` twice, answers ``{"same": bool}``
* ``/health``: does not touch the session
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import pytest
from starlette.testclient import TestClient

from authsession import AuthOptions
from authsession._core.context import iso_time
from authsession._core.cookies import http_date
from authsession.adapters import MemoryAdapter
from authsession.session_management import SessionManagement
from helpers import EMPTY, PASSWORD, REFRESH_AGE, SESSION, THIRTY_DAYS, USER, FakeClock, make_options

SITE = "http://testserver"
CSRF = {"v4": "next-auth.csrf-token", "v5": "authjs.csrf-token"}


def set_cookies(response: Any) -> list[str]:
    return list(response.headers.get_list("set-cookie"))


def cookie_names(response: Any) -> list[str]:
    return [header.split("=", 1)[0] for header in set_cookies(response)]


def renaming_options(adapter: MemoryAdapter) -> AuthOptions:
    """Database sessions in ``adapter`` with session management, whose ``session`` callback takes
    the ``name`` an update from the server gives: for the faces of ``update_server_session``,
    ``list_user_sessions`` and ``end_sessions``."""

    async def session_callback(*, session: Any, user: Any, new_session: Any = None, trigger: Any = None) -> Any:
        if trigger == "update":
            session["user"]["name"] = new_session["name"]
        return session

    return make_options(
        url=SITE,
        providers=[],
        adapter=adapter,
        session={"strategy": "database"},
        callbacks={"session": session_callback},
        session_management=SessionManagement(),
    )


def sign_in(client: Any, *, callback_url: str = "/me", password: str = PASSWORD, **extra: str) -> Any:
    token = client.get("/api/auth/csrf").json()["csrfToken"]
    form = {"username": "ada", "password": password, "csrfToken": token, "callbackUrl": callback_url, **extra}
    return client.post("/api/auth/callback/credentials", data=form)


class SessionSuite:
    """Inherit and implement :meth:`build_app`; pytest collects the subclass."""

    framework: ClassVar[str]

    def build_app(self, options: AuthOptions) -> Any:
        raise NotImplementedError

    def open_client(self, app: Any, base_url: str = SITE) -> AbstractContextManager[Any]:
        """A client for ``app`` with the :class:`TestClient` interface the tests use, not following redirects."""
        return TestClient(app, base_url=base_url, follow_redirects=False)

    # --- fixtures ------------------------------------------------------------------------------------------

    @pytest.fixture
    def clock(self) -> FakeClock:
        # A real client drops cookies whose Expires is past: start the frozen clock at today.
        return FakeClock(float(int(time.time())))

    @pytest.fixture
    def jwt_calls(self) -> list[dict[str, Any]]:
        return []

    @pytest.fixture
    def options(
        self, format: str, clock: FakeClock, jwt_calls: list[dict[str, Any]], clean_auth_env: None
    ) -> AuthOptions:
        def jwt_callback(**kwargs: Any) -> Any:
            jwt_calls.append(kwargs)
            return kwargs["token"]

        return make_options(format=format, clock=clock, callbacks={"jwt": jwt_callback})

    @pytest.fixture
    def client(self, options: AuthOptions) -> Iterator[TestClient]:
        with self.open_client(self.build_app(options)) as client:
            yield client

    # --- mounting ------------------------------------------------------------------------------------------

    def test_auth_api_is_mounted(self, client: TestClient, format: str) -> None:
        response = client.get("/api/auth/providers")
        assert response.status_code == 200
        assert response.json()["credentials"]["signinUrl"] == f"{SITE}/api/auth/signin/credentials"
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-length"] == str(len(response.content))

    def test_csrf_route(self, client: TestClient, format: str) -> None:
        response = client.get("/api/auth/csrf")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-cache, no-store"
        assert cookie_names(response).count(CSRF[format]) == 1
        token = response.json()["csrfToken"]
        assert client.cookies[CSRF[format]].startswith(token)
        again = client.get("/api/auth/csrf")
        assert again.json()["csrfToken"] == token
        assert set_cookies(again) == []

    def test_other_routes_are_untouched(self, client: TestClient) -> None:
        response = client.get("/health")
        assert response.status_code == 200
        assert set_cookies(response) == []

    def test_unknown_auth_route_and_method(self, client: TestClient, format: str) -> None:
        unknown = client.get("/api/auth/nope")
        assert unknown.status_code == 400
        put = client.put("/api/auth/session")
        assert put.status_code == 400
        if format == "v4":
            assert put.text == "Error: This action with HTTP PUT is not supported by NextAuth.js"
        else:
            assert put.json() == "Bad request."

    # --- get_server_session --------------------------------------------------------------------------------

    def test_anonymous(self, client: TestClient, format: str) -> None:
        response = client.get("/me")
        assert response.status_code == 200
        assert response.json() is None
        assert SESSION[format] not in cookie_names(response)

    def test_the_seed_flow(self, client: TestClient, format: str) -> None:
        """csrf -> credentials sign-in -> protected page -> sign-out."""
        signed_in = sign_in(client, callback_url="/page")
        assert signed_in.status_code == 302
        assert signed_in.headers["location"] == f"{SITE}/page"
        assert SESSION[format] in client.cookies
        page = client.get("/page")
        assert page.status_code == 200
        assert f"Hello {USER['name']}" in page.text
        me = client.get("/me").json()
        assert me["user"] == {"name": USER["name"], "email": USER["email"], "image": USER["image"]}

        token = client.get("/api/auth/csrf").json()["csrfToken"]
        signed_out = client.post("/api/auth/signout", data={"csrfToken": token, "callbackUrl": "/health"})
        assert signed_out.status_code == 302
        assert signed_out.headers["location"] == f"{SITE}/health"
        assert f"{SESSION[format]}=; Max-Age=0; Path=/" in "\n".join(set_cookies(signed_out))
        assert SESSION[format] not in client.cookies
        assert client.get("/me").json() is None
        assert "Hello stranger" in client.get("/page").text

    def test_session_route_matches_get_server_session(self, client: TestClient, format: str) -> None:
        assert client.get("/api/auth/session").json() == EMPTY[format]
        sign_in(client)
        assert client.get("/api/auth/session").json() == client.get("/me").json()

    def test_update_through_the_api(self, client: TestClient, format: str, jwt_calls: list[dict[str, Any]]) -> None:
        """What ``update(data)`` in the browser client sends: JSON ``{csrfToken, data}``."""
        sign_in(client)
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        jwt_calls.clear()
        body = json.dumps({"csrfToken": token, "data": {"theme": "dark"}})
        response = client.post("/api/auth/session", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 200
        assert response.json()["user"]["name"] == USER["name"]
        assert [(c.get("trigger"), c.get("session")) for c in jwt_calls] == [("update", {"theme": "dark"})]
        refused = client.post("/api/auth/session", json={"data": {}})
        assert refused.status_code == 400
        assert refused.json() == EMPTY[format]

    def test_wrong_password(self, client: TestClient, format: str) -> None:
        response = sign_in(client, password="wrong")
        assert response.status_code == 302
        assert "CredentialsSignin" in response.headers["location"]
        assert client.get("/me").json() is None

    def test_refresh_on_a_json_endpoint(self, client: TestClient, clock: FakeClock, format: str) -> None:
        sign_in(client)
        clock.advance(REFRESH_AGE)
        response = client.get("/me")
        assert response.json()["expires"] == iso_time(clock.now + THIRTY_DAYS)
        session_headers = [h for h in set_cookies(response) if h.startswith(SESSION[format] + "=")]
        assert len(session_headers) == 1
        assert f"Expires={http_date(clock.now + THIRTY_DAYS)}" in session_headers[0]
        assert "Max-Age" not in session_headers[0]

    @pytest.mark.parametrize("path", ["/page", "/go"])
    def test_refresh_on_an_endpoint_that_builds_its_own_response(
        self, client: TestClient, clock: FakeClock, format: str, path: str
    ) -> None:
        sign_in(client)
        before = client.cookies[SESSION[format]]
        clock.advance(REFRESH_AGE)
        response = client.get(path)
        assert response.status_code in (200, 307)
        assert cookie_names(response).count(SESSION[format]) == 1
        assert client.cookies[SESSION[format]] != before

    def test_no_duplicate_set_cookie(self, client: TestClient, clock: FakeClock, format: str) -> None:
        sign_in(client)
        clock.advance(REFRESH_AGE)
        response = client.get("/me")
        names = cookie_names(response)
        assert len(names) == len(set(names))
        assert SESSION[format] in names

    def test_memoised_per_request(
        self, client: TestClient, clock: FakeClock, format: str, jwt_calls: list[dict[str, Any]]
    ) -> None:
        sign_in(client)
        clock.advance(REFRESH_AGE)
        jwt_calls.clear()
        response = client.get("/twice")
        assert response.json() == {"same": True, "signed_in": True}
        assert len(jwt_calls) == 1
        names = cookie_names(response)
        assert names.count(SESSION[format]) == 1
        assert len(names) == len(set(names))
        jwt_calls.clear()
        client.get("/twice")
        assert len(jwt_calls) == 1  # memoised per request, not across requests

    def test_anonymous_pages_set_no_cookie(self, client: TestClient) -> None:
        """Reading the session mints no CSRF token and no callback-url cookie, so the page stays cacheable."""
        for path in ("/me", "/page", "/go", "/twice"):
            assert set_cookies(client.get(path)) == [], path

    def test_a_signed_in_page_sets_no_cookie_but_the_session_cookie(
        self, options: AuthOptions, client: TestClient, format: str
    ) -> None:
        sign_in(client)
        # A browser holding only the session cookie: the page does not hand it a CSRF cookie.
        with self.open_client(self.build_app(options)) as fresh:
            fresh.cookies.set(SESSION[format], client.cookies[SESSION[format]])
            response = fresh.get("/me")
            assert response.json()["user"]["name"] == USER["name"]
            assert set(cookie_names(response)) <= {SESSION[format]}

    # --- bad input never answers 500 -----------------------------------------------------------------------

    @pytest.mark.parametrize(
        "value",
        ["garbage", "a.b.c.d.e", "%E0%A4%A", "%C3%BF%C3%BE", '"quoted"', "x" * 5000],
    )
    def test_bad_session_cookie(self, client: TestClient, format: str, value: str) -> None:
        client.cookies.set(SESSION[format], value)
        for path in ("/me", "/page", "/api/auth/session"):
            response = client.get(path)
            assert response.status_code == 200, path
            headers = [h for h in set_cookies(response) if h.startswith(SESSION[format] + "=")]
            assert headers == [f"{SESSION[format]}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"]
            client.cookies.set(SESSION[format], value)

    def test_raw_non_ascii_cookie_header(self, client: TestClient, format: str) -> None:
        headers = {b"cookie": f"{SESSION[format]}=caf\u00e9; other=\u00ff".encode()}
        response = client.get("/me", headers=headers)
        assert response.status_code == 200
        assert response.json() is None

    def test_bad_callback_url_cookie_does_not_break_pages(self, client: TestClient, format: str) -> None:
        sign_in(client)
        client.cookies.set(f"{'next-auth' if format == 'v4' else 'authjs'}.callback-url", "javascript:alert(1)")
        assert client.get("/me").json()["user"]["name"] == USER["name"]

    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            ("application/json", b"{not json"),
            ("application/json", b"[1, 2, 3]"),
            ("application/json", b'"just a string"'),
            ("application/json", b'{"csrfToken": {"nested": true}, "callbackUrl": 5}'),
            ("application/json", b"\xff\xfe"),
            ("application/x-www-form-urlencoded", b"\xff\xfe=\xfd"),
            ("application/x-www-form-urlencoded", b"a=1&a=2&&=&%zz=%"),
            ("text/plain", b"csrfToken=x"),
            ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
            ("", b""),
        ],
    )
    @pytest.mark.parametrize("path", ["callback/credentials", "signin/credentials", "signout", "session", "_log"])
    def test_malformed_bodies(self, client: TestClient, content_type: str, body: bytes, path: str) -> None:
        client.get("/api/auth/csrf")
        headers = {"content-type": content_type} if content_type else {}
        response = client.post(f"/api/auth/{path}", content=body, headers=headers)
        assert response.status_code < 500
        assert client.get("/me").json() is None

    def test_oversized_body(self, client: TestClient) -> None:
        body = b"a=" + b"x" * (1024 * 1024)
        response = client.post(
            "/api/auth/callback/credentials",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 413

    def test_json_body_sign_in(self, client: TestClient, format: str) -> None:
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        body = {"username": "ada", "password": PASSWORD, "csrfToken": token, "callbackUrl": "/me"}
        headers = {"content-type": "application/json"}
        response = client.post("/api/auth/callback/credentials", content=json.dumps(body), headers=headers)
        assert response.status_code == 302
        assert client.get("/me").json()["user"]["email"] == USER["email"]

    def test_non_ascii_callback_url(self, client: TestClient) -> None:
        response = sign_in(client, callback_url="/caf\u00e9/\u65e5\u672c")
        assert response.status_code == 302
        assert response.headers["location"] == f"{SITE}/caf%C3%A9/%E6%97%A5%E6%9C%AC"

    def test_json_mode(self, client: TestClient, format: str) -> None:
        extra = {"json": "true"} if format == "v4" else {}
        headers = {} if format == "v4" else {"X-Auth-Return-Redirect": "1"}
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        form = {"username": "ada", "password": PASSWORD, "csrfToken": token, "callbackUrl": "/me", **extra}
        response = client.post("/api/auth/callback/credentials", data=form, headers=headers)
        assert response.status_code == 200
        assert response.json() == {"url": f"{SITE}/me"}
        assert SESSION[format] in cookie_names(response)

    # --- proxies -------------------------------------------------------------------------------------------

    def test_forwarded_headers_are_ignored_by_default(self, client: TestClient) -> None:
        headers = {"x-forwarded-proto": "https", "x-forwarded-host": "evil.example"}
        response = client.get("/api/auth/providers", headers=headers)
        assert response.json()["credentials"]["signinUrl"] == f"{SITE}/api/auth/signin/credentials"

    def test_trust_host_uses_forwarded_headers(self, format: str, clean_auth_env: None) -> None:
        options = make_options(format=format, trust_host=True)
        with self.open_client(self.build_app(options)) as client:
            headers = {"x-forwarded-proto": "https", "x-forwarded-host": "app.example.com, proxy.internal"}
            providers = client.get("/api/auth/providers", headers=headers)
            assert providers.json()["credentials"]["signinUrl"] == "https://app.example.com/api/auth/signin/credentials"
            csrf = client.get("/api/auth/csrf", headers=headers)
            stem = "next-auth" if format == "v4" else "authjs"
            assert cookie_names(csrf) == [f"__Host-{stem}.csrf-token", f"__Secure-{stem}.callback-url"]
            assert all("; Secure;" in header for header in set_cookies(csrf))

    def test_https(self, format: str, clean_auth_env: None) -> None:
        with self.open_client(self.build_app(make_options(format=format)), "https://testserver") as client:
            response = client.get("/api/auth/csrf")
            stem = "next-auth" if format == "v4" else "authjs"
            assert cookie_names(response) == [f"__Host-{stem}.csrf-token", f"__Secure-{stem}.callback-url"]
            token = response.json()["csrfToken"]
            form = {"username": "ada", "password": PASSWORD, "csrfToken": token}
            signed_in = client.post("/api/auth/callback/credentials", data=form, follow_redirects=False)
            assert f"__Secure-{stem}.session-token" in cookie_names(signed_in)
            assert client.get("/me").json()["user"]["name"] == USER["name"]
