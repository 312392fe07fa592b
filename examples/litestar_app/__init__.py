"""The seed's pages on Litestar: a profile page, a guarded dashboard and ``/api/me``.

Run it from the repository root, with the ``litestar`` extra installed::

    python -m examples.litestar_app

It serves on http://127.0.0.1:8000 (``HOST`` and ``PORT`` change that) with uvicorn. Sign in at
``/login`` as ``demo@example.com`` / ``demo-password`` (or the ``DEMO_EMAIL`` / ``DEMO_PASSWORD``
you set). Set ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and ``OIDC_CLIENT_SECRET`` (and ``OIDC_NAME``
for the button) to offer an OpenID Connect provider as well; its callback URL is
``<site>/api/auth/callback/oidc``. Without ``AUTH_SECRET`` a random secret is made at start-up and
every session ends with the process.

``AUTH_FORMAT`` (``v5`` or ``v4``) and ``AUTH_SESSION_STRATEGY`` (``jwt``, the default, or
``database``, with the users and sessions in the SQLite file ``DEMO_DB``, default
``./demo.sqlite3``) are read as the FastAPI demo and the Flask and Django examples read them
(``examples/session_env.py``): set them alike, with one ``AUTH_SECRET``, and they share sessions.
"""

from __future__ import annotations

import os
import secrets
from html import escape
from typing import Any

from litestar import Litestar, Request, get
from litestar.enums import MediaType

from authsession import AuthOptions
from authsession.integrations.litestar import AuthRequired, AuthSession, get_csrf_token, get_server_session

from ..session_env import OneAccountSessions

Req = Request[Any, Any, Any]

LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>authsession on Litestar</title></head>
<body><nav><a href="/">Home</a> · <a href="/profile">Profile</a> · <a href="/dashboard">Dashboard</a></nav>
{body}</body></html>"""


def page(body: str) -> str:
    return LAYOUT.format(body=body)


def form(action: str, fields: dict[str, str], inner: str) -> str:
    """A POST form to the auth API with its hidden fields (CSRF token, callback URL) escaped."""
    hidden = "".join(f'<input type="hidden" name="{name}" value="{escape(value)}">' for name, value in fields.items())
    return f'<form method="post" action="{escape(action)}">{hidden}{inner}</form>'


@get("/", media_type=MediaType.HTML)
async def index() -> str:
    return page("<h1>authsession on Litestar</h1>")


@get("/profile", media_type=MediaType.HTML)
async def profile(request: Req) -> str:
    # The seed's getServerSideProps: ask for the session on the server, before rendering.
    session = await get_server_session(request)
    if session is None:
        return page(
            '<p>You must be logged in to view this page.</p><p><a href="/login?callbackUrl=%2Fprofile">Sign in</a></p>'
        )
    user = session["user"]
    sign_out = form("/api/auth/signout", {"csrfToken": get_csrf_token(request)}, "<button>Sign out</button>")
    return page(
        f"<h1>Welcome, {escape(user.get('name') or user.get('email') or '')}!</h1>"
        f"<p>Your email is {escape(user.get('email') or '')}</p>{sign_out}"
    )


@get("/dashboard", media_type=MediaType.HTML, guards=[AuthRequired(redirect_to="/login")])
async def dashboard(request: Req) -> str:
    # Anonymous browsers never get here: the guard sends them to /login?callbackUrl=%2Fdashboard.
    session = await get_server_session(request)
    email = session["user"].get("email") if session else None
    return page(f"<h1>Dashboard</h1><p>Signed in as {escape(email or '')}</p>")


@get("/api/me")
async def me(request: Req) -> dict[str, Any]:
    session = await get_server_session(request)
    return {"userEmail": session["user"].get("email") if session else None}


def login_page(request: Req, options: AuthOptions, email_links: bool) -> str:
    """The sign-in page ``pages={"sign_in": "/login"}`` names: credentials, email links, OAuth."""
    fields = {"csrfToken": get_csrf_token(request), "callbackUrl": request.query_params.get("callbackUrl", "/profile")}
    error = request.query_params.get("error")
    parts = ["<h1>Sign in</h1>"]
    if error:
        said = "Wrong email or password." if error == "CredentialsSignin" else f"Sign-in failed ({escape(error)})."
        parts.append(f'<p role="alert">{said}</p>')
    email = '<label>Email <input name="email" type="email" required></label>'
    password = '<label>Password <input name="password" type="password" required></label>'
    parts.append(form("/api/auth/callback/credentials", fields, f"{email}{password}<button>Sign in</button>"))
    if email_links:
        parts.append(form("/api/auth/signin/email", fields, f"{email}<button>Email me a sign-in link</button>"))
    for provider in options.providers:
        if provider.type in ("oauth", "oidc"):
            button = f"<button>Sign in with {escape(provider.name)}</button>"
            parts.append(form(f"/api/auth/signin/{provider.id}", fields, button))
    return page("\n".join(parts))


def create_app(secret: str | None = None) -> Litestar:
    """The example app; ``python -m examples.litestar_app`` serves it with uvicorn."""
    sessions = OneAccountSessions.from_env("jwt")
    options = AuthOptions(
        secret=secret or os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32),
        pages={"sign_in": "/login"},
        **sessions.options(),
    )

    @get("/login", media_type=MediaType.HTML)
    async def login(request: Req) -> str:
        return login_page(request, options, email_links=sessions.adapter is not None)

    return Litestar(route_handlers=[index, profile, dashboard, me, login], plugins=[AuthSession(options)])
