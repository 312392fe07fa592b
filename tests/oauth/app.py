"""The app under test, served for real, and a scripted user agent that signs in through it.

``build_app`` is a FastAPI app with the seed's ``/profile`` page; :class:`LiveServer` runs it
with uvicorn on a 127.0.0.1 socket in a background thread (the browser and the OpenID
Provider need a real server); :class:`UserAgent` is what a browser does, with httpx2.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from html import escape, unescape
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from authsession import AuthOptions
from authsession.integrations.fastapi import AuthSession, get_server_session
from authsession.providers import OIDC
from authsession.providers.oauth import OAuthProvider
from oidc_provider import OpenIDProvider

Format = Literal["v4", "v5"]
SECRET = "oauth-tests-secret-0123456789abcdef0123456789"
MUST_LOG_IN = "You must be logged in to view this page."

#: ``/__test/token/<defect>`` on the provider re-issues the real ID token with one defect.
DEFECTS = ("iss", "aud", "expired", "nonce", "key", "kid", "none")
#: Every provider id the app has, so the OpenID Provider can register each callback URL.
PROVIDER_IDS = ("local", "local-public", "local-public-nopkce", *(f"defect-{d}" for d in DEFECTS))


def redirect_uris(origin: str) -> list[str]:
    return [f"{origin}/api/auth/callback/{provider_id}" for provider_id in PROVIDER_IDS]


def providers_for(op: OpenIDProvider) -> list[OAuthProvider]:
    """``local`` (confidential, ``client_secret_basic``), ``local-public`` (``none`` + PKCE),
    ``local-public-nopkce`` (the public client without PKCE, which the provider refuses) and one
    ``defect-<d>`` per :data:`DEFECTS` (the confidential client, whose token endpoint is the
    provider's defective one); ``broken-discovery`` and ``unreachable`` cannot even start."""
    confidential: dict[str, Any] = {
        "client_id": op.confidential.client_id,
        "client_secret": op.confidential.client_secret,
    }
    public: dict[str, Any] = {"client_id": op.public.client_id, "client_auth_method": "none"}
    found = [
        OIDC(id="local", name="Local OIDC", issuer=op.issuer, **confidential),
        OIDC(id="local-public", name="Local OIDC (public client)", issuer=op.issuer, **public),
        OIDC(
            id="local-public-nopkce",
            name="Local OIDC (public client, no PKCE)",
            issuer=op.issuer,
            checks=("state", "nonce"),
            **public,
        ),
        OIDC(id="broken-discovery", name="Broken discovery", issuer=f"{op.issuer}/nowhere", **confidential),
        OIDC(id="unreachable", name="Unreachable provider", issuer="http://127.0.0.1:1", **confidential),
    ]
    for defect in DEFECTS:
        found.append(
            OIDC(
                id=f"defect-{defect}",
                name=f"Defective ID token ({defect})",
                issuer=op.issuer,
                token=f"{op.issuer}/__test/token/{defect}",
                **confidential,
            )
        )
    return found


def build_options(format: Format, op: OpenIDProvider, **overrides: Any) -> AuthOptions:
    params: dict[str, Any] = {"secret": SECRET, "format": format, "providers": providers_for(op)}
    params.update(overrides)
    return AuthOptions(**params)


def build_app(options: AuthOptions) -> FastAPI:
    """The auth API under ``/api/auth`` and the seed's ``/profile`` page."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    AuthSession(app, options)

    @app.get("/profile")
    async def profile(request: Request, response: Response) -> HTMLResponse:
        session = await get_server_session(request, response, options)
        if session is None:
            body = f'<p>{MUST_LOG_IN}</p>\n<p><a href="/api/auth/signin?callbackUrl=%2Fprofile">Sign in</a></p>'
        else:
            user = session["user"]
            body = (
                f"<h1>Welcome, {escape(user.get('name') or '')}!</h1>\n"
                f"<p>Your email is {escape(user.get('email') or '')}</p>"
            )
        html = f"<!DOCTYPE html>\n<html><head><title>Profile</title></head><body>\n{body}\n</body></html>"
        return HTMLResponse(html, headers={"Cache-Control": "private, no-store"})

    return app


def listening_socket() -> socket.socket:
    """A socket bound to a free 127.0.0.1 port, so its URL is known before the server starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def origin_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


class LiveServer:
    """An ASGI app served by uvicorn on ``sock`` in a daemon thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.sock = sock
        self.url = origin_of(sock)
        config = uvicorn.Config(app, lifespan="off", ws="none", log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


# --- a scripted browser --------------------------------------------------------------------------

_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_ABORT_LINK = re.compile(r'href="([^"]*/abort)"')
_POST_FORM = re.compile(r'<form method="post" action="([^"]+)">(.*?)</form>', re.DOTALL)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def page_form(html: str, action_end: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields (CSRF token, callback URL) of the page's POST form whose
    action ends with ``action_end``: what a browser sends when its button is pressed."""
    for action, body in _POST_FORM.findall(html):
        if unescape(action).endswith(action_end):
            return unescape(action), {name: unescape(value) for name, value in _HIDDEN.findall(body)}
    raise AssertionError(f"no form for {action_end!r} on the page:\n{html}")


class UserAgent:
    """What a browser does, with httpx2: a cookie jar, redirects followed one by one.

    ``app`` is the site's origin; every response is kept in :attr:`history`.
    """

    def __init__(self, app: str, *, login: str = "alice") -> None:
        self.app = app
        self.login = login
        self.http = httpx2.Client(follow_redirects=False, timeout=10.0)
        self.history: list[httpx2.Response] = []

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        response = self.http.request(method, urljoin(self.app, url), **kwargs)
        self.history.append(response)
        return response

    def csrf_token(self) -> str:
        token: str = self.request("GET", "/api/auth/csrf").json()["csrfToken"]
        return token

    def start_sign_in(self, provider_id: str, callback_url: str = "/profile") -> str:
        """POST ``/api/auth/signin/<id>`` with a CSRF token: the authorization URL."""
        response = self.request(
            "POST",
            f"/api/auth/signin/{provider_id}",
            data={"csrfToken": self.csrf_token(), "callbackUrl": callback_url},
        )
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def authorize(self, url: str, *, deny: bool = False) -> str:
        """Go through the provider's login and consent pages: the URL it sends back to the app.

        ``deny`` presses the provider's "Cancel" instead of signing in.
        """
        while not url.startswith(self.app):
            response = self.request("GET", url)
            if response.status_code == 200:  # a devInteractions page: login or consent
                html = response.text
                if deny:
                    abort = _ABORT_LINK.search(html)
                    assert abort, html
                    response = self.request("GET", urljoin(url, unescape(abort.group(1))))
                else:
                    action = _FORM_ACTION.search(html)
                    assert action, html
                    form = {"prompt": "login", "login": self.login, "password": "any"}
                    if 'name="prompt" value="consent"' in html:
                        form = {"prompt": "consent"}
                    response = self.request("POST", urljoin(url, unescape(action.group(1))), data=form)
            assert response.is_redirect, f"{response.status_code} from {response.url}: {response.text[:500]}"
            url = urljoin(str(response.url), response.headers["location"])
        return url

    def sign_in_from_page(self, html: str, provider_id: str) -> httpx2.Response:
        """Press the button of a sign-in page (``html``) for ``provider_id``, go through the
        provider's pages and back: the app's answer to the provider's redirect."""
        action, fields = page_form(html, f"/signin/{provider_id}")
        to_provider = self.request("POST", action, data=fields)
        assert to_provider.status_code == 302, to_provider.text
        callback = self.authorize(to_provider.headers["location"])
        assert callback.startswith(f"{self.app}/api/auth/callback/{provider_id}?"), callback
        return self.request("GET", callback)

    def sign_in(self, provider_id: str = "local", callback_url: str = "/profile") -> httpx2.Response:
        """The whole flow; returns the app's answer to the provider's redirect."""
        callback = self.authorize(self.start_sign_in(provider_id, callback_url))
        return self.request("GET", callback)

    def session(self) -> Any:
        return self.request("GET", "/api/auth/session").json()

    @property
    def host(self) -> str:
        """The domain the app's cookies are kept under (any port, as browsers do).

        http.cookiejar keeps a dotless host's cookies under ``<host>.local``.
        """
        host = urlsplit(self.app).hostname or ""
        return host if "." in host else f"{host}.local"

    def cookie(self, name: str) -> str | None:
        return self.http.cookies.get(name, domain=self.host)

    def set_cookie(self, name: str, value: str) -> None:
        self.http.cookies.set(name, value, domain=self.host, path="/")

    def drop_cookie(self, name: str) -> None:
        self.http.cookies.delete(name, domain=self.host, path="/")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def with_query(url: str, **changes: str | None) -> str:
    """``url`` with some query parameters replaced (``None`` removes one)."""
    query = query_of(url)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlsplit(url)._replace(query=urlencode(query)).geturl()
