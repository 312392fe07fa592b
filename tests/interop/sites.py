"""Two sites that share a session, and the cookie jar a browser would carry between them.

Used by the Next.js 14 (``test_nextjs_session.py``) and Next.js 15 (``test_nextjs15.py``) tests.
Cookies travel by hand, as raw ``Set-Cookie`` values turned into a ``Cookie`` header, so a test
sees exactly what each side wrote and decides what the other side receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from nextjs_app import ADA, PASSWORD

#: next-auth 4's session cookie; Auth.js 5's is ``authjs.session-token``.
SESSION_COOKIE = "next-auth.session-token"


@dataclass(frozen=True)
class SetCookie:
    name: str
    value: str
    attributes: dict[str, str]

    @property
    def deleted(self) -> bool:
        if self.attributes.get("max-age") == "0":
            return True
        expires = self.attributes.get("expires")
        return expires is not None and parsedate_to_datetime(expires) <= datetime.now(UTC)


def set_cookies(response: httpx2.Response) -> list[SetCookie]:
    out = []
    for header in response.headers.get_list("set-cookie"):
        pair, *attrs = header.split(";")
        name, _, value = pair.partition("=")
        attributes = {}
        for attr in attrs:
            key, _, val = attr.strip().partition("=")
            attributes[key.lower()] = val
        out.append(SetCookie(name.strip(), value.strip(), attributes))
    return out


@dataclass
class Jar:
    """Cookie name to raw (still percent-encoded) value, as a browser keeps them."""

    values: dict[str, str] = field(default_factory=dict)
    session_cookie: str = SESSION_COOKIE

    def apply(self, response: httpx2.Response) -> None:
        for cookie in set_cookies(response):
            if cookie.deleted:
                self.values.pop(cookie.name, None)
            else:
                self.values[cookie.name] = cookie.value

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.values.items())

    def session_names(self) -> list[str]:
        return sorted(n for n in self.values if n.startswith(self.session_cookie))

    def only_session(self) -> Jar:
        """Just the session cookie(s): what a second site sharing the session would receive."""
        return Jar({n: self.values[n] for n in self.session_names()}, self.session_cookie)

    def copy(self) -> Jar:
        return Jar(dict(self.values), self.session_cookie)


@dataclass
class Site:
    name: str
    client: httpx2.AsyncClient
    session_cookie: str = SESSION_COOKIE

    def jar(self) -> Jar:
        return Jar(session_cookie=self.session_cookie)

    async def request(
        self, method: str, path: str, jar: Jar | None = None, data: dict[str, str] | None = None
    ) -> httpx2.Response:
        headers = {"cookie": jar.header()} if jar and jar.values else {}
        response = await self.client.request(method, path, headers=headers, data=data)
        self.client.cookies.clear()  # the Jar is the only cookie store
        if jar is not None:
            jar.apply(response)
        return response

    async def get(self, path: str, jar: Jar | None = None) -> httpx2.Response:
        return await self.request("GET", path, jar)

    async def csrf_token(self, jar: Jar) -> str:
        response = await self.get("/api/auth/csrf", jar)
        assert response.status_code == 200, response.text
        token: str = response.json()["csrfToken"]
        return token

    async def sign_in(self, user: dict[str, str] = ADA, jar: Jar | None = None) -> Jar:
        """The REST flow of ``signIn("credentials", ...)``: GET /csrf, POST /callback/credentials.

        next-auth 4's client asks for a JSON answer with ``json=true``; Auth.js 5's client lets
        the redirect come back (``X-Auth-Return-Redirect`` is for its fetches): both are read.
        """
        jar = jar if jar is not None else self.jar()
        data = {"csrfToken": await self.csrf_token(jar), "email": user["email"], "password": PASSWORD, "json": "true"}
        response = await self.request("POST", "/api/auth/callback/credentials", jar, data)
        assert response.status_code in (200, 302), f"{self.name}: {response.status_code} {response.text}"
        url = response.json()["url"] if response.status_code == 200 else response.headers["location"]
        assert "error" not in url, f"{self.name}: {url}"
        assert jar.session_names(), f"{self.name} set no session cookie"
        return jar


async def assert_signed_in(site: Site, jar: Jar, user: dict[str, str]) -> dict[str, Any]:
    """``/profile``, ``/api/me`` and ``/api/auth/session`` all see ``user``; returns the session."""
    page = await site.get("/profile", jar.copy())
    assert page.status_code == 200, page.text
    assert f"Welcome, {user['name']}!" in page.text, f"{site.name}: {page.text[:500]}"
    assert f"Your email is {user['email']}" in page.text
    me = await site.get("/api/me", jar.copy())
    assert me.json() == {"userEmail": user["email"]}
    session = await site.get("/api/auth/session", jar.copy())
    assert session.status_code == 200
    body: dict[str, Any] = session.json()
    assert body["user"] == {"name": user["name"], "email": user["email"]}
    return body
