"""What the interop tests share with their fixtures: the secret both apps use, and the OIDC stacks."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from oauth.app import UserAgent
from oidc_provider import OpenIDProvider

#: The secret of both the Next.js app and the Python app.
SECRET = "interop-secret-4f0c2b8e9d1a7c3e5b6f8a0d2c4e6a8b"
#: What every app's ``/profile`` says to the OpenID Provider's user, and to nobody.
WELCOME = "Welcome, Alice Liddell!"
LOGGED_OUT = "You must be logged in to view this page."


@dataclass(frozen=True)
class OIDCInterop:
    """A running OpenID Provider, and a Next.js app that signs in through it as ``local``.

    ``python_socket`` is bound (not yet serving) for the Python app, whose
    ``/api/auth/callback/local`` the provider accepts too; the provider's confidential client
    is the one both apps use.
    """

    op: OpenIDProvider
    nextjs_url: str
    python_socket: socket.socket
    #: The host name both apps are addressed by (Next.js 15 wants ``localhost``).
    host: str = field(default="127.0.0.1", kw_only=True)

    @property
    def python_url(self) -> str:
        return f"http://{self.host}:{self.python_socket.getsockname()[1]}"


@dataclass(frozen=True)
class DatabaseInterop(OIDCInterop):
    """The same with a Next.js 15 app keeping database sessions in PostgreSQL.

    ``database_url`` (SQLAlchemy, asyncpg) holds the Auth.js tables the app's ``@auth/pg-adapter``
    uses; both apps are on ``localhost``, so one cookie jar carries the session between the two.
    """

    database_url: str


def page(agent: UserAgent, url: str) -> str:
    response = agent.request("GET", url)
    assert response.status_code == 200, f"{response.status_code} from {url}"
    return response.text


def signed_in_through(agent: UserAgent, app_url: str) -> None:
    """The whole OAuth sign-in on the app at ``app_url``, ending on its ``/profile``."""
    agent.app = app_url
    response = agent.sign_in("local", callback_url=f"{app_url}/profile")
    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"{app_url}/profile"
    assert WELCOME in page(agent, f"{app_url}/profile")
