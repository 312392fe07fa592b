"""What a browser does on the password pages (``<base>/password/*``) and "Your sessions"
(``<base>/sessions``), through any test client with ``get`` and ``post``: Starlette's
``TestClient`` or the Flask and Django suite clients (``tests/integrations/suite_client.py``).

The apps under test answer ``GET /me`` with ``{"email": <the session's email or null>}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

#: A password the policy accepts.
STRONG = "quiet-lantern-harbor-91"
JSON = {"Accept": "application/json"}
LAPTOP = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}
PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1"}


class Mailbox:
    """The Password provider's ``send_email`` and the Email provider's sender, keeping each mail."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_password_mail(self, *, kind: str, identifier: str, url: str | None) -> None:
        self.sent.append({"kind": kind, "to": identifier, "url": url})

    async def send_sign_in_link(self, *, identifier: str, url: str, **_: Any) -> None:
        self.sent.append({"kind": "sign-in", "to": identifier, "url": url})

    def last(self, kind: str, to: str) -> str:
        urls = [m["url"] for m in self.sent if m["kind"] == kind and m["to"] == to]
        assert urls, f"no {kind} mail to {to}: {self.sent}"
        url: str = urls[-1]
        return url


def csrf(client: Any) -> str:
    token: str = client.get("/api/auth/csrf").json()["csrfToken"]
    return token


def post(client: Any, step: str, **fields: str) -> Any:
    """Submit the form of a password page (``sign-up``, ``forgot``, ``reset``, ``change``)."""
    return client.post(f"/api/auth/password/{step}", data={"csrfToken": csrf(client), **fields})


def sign_in(client: Any, email: str, password: str) -> Any:
    form = {"email": email, "password": password, "csrfToken": csrf(client)}
    return client.post("/api/auth/callback/password", data=form)


def whoami(client: Any) -> str | None:
    email: str | None = client.get("/me").json()["email"]
    return email


def follow(client: Any, url: str) -> Any:
    """Open a link from a mail (an absolute URL) on the client's own site."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_up(client: Any, mailbox: Mailbox, email: str, password: str = STRONG) -> None:
    """Sign up and open the confirmation link: the account exists, not signed in yet."""
    answer = post(client, "sign-up", email=email, password=password, name="Pat")
    assert answer.status_code == 200
    confirmed = follow(client, mailbox.last("sign-up", email))
    assert confirmed.status_code == 200
    assert "Your account is ready" in confirmed.text


def revoke(client: Any, target: str, **headers: str) -> Any:
    """End sessions from "Your sessions": a session's ``id``, ``others`` or ``all``."""
    return client.post("/api/auth/sessions", data={"csrfToken": csrf(client), "revoke": target}, headers=headers)
