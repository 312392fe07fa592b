"""The seed's pages on Flask: a profile page, a protected dashboard and ``/api/me``.

Run it from the repository root, with the ``flask`` extra installed::

    flask --app examples.flask_app run

Sign in at http://127.0.0.1:5000/login as ``demo@example.com`` / ``demo-password`` (or the
``DEMO_EMAIL`` / ``DEMO_PASSWORD`` you set). Sessions are JWTs in a cookie by default, so there
is no database. Without ``AUTH_SECRET`` a random secret is made at start-up and every session
ends with the process.

``AUTH_FORMAT`` (``v5`` or ``v4``) and ``AUTH_SESSION_STRATEGY`` (``jwt`` or ``database``, with
the users and sessions in the SQLite file ``DEMO_DB``, default ``./demo.sqlite3``) are read as the
FastAPI demo reads them: set them alike, with one ``AUTH_SECRET``, and the two share sessions.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
from typing import TYPE_CHECKING, Any

from flask import Flask, render_template_string, request

from authsession import AuthOptions, User
from authsession.integrations.flask import AuthSession, auth_required, get_csrf_token, get_server_session
from authsession.providers import Credentials, Email, Provider

from ..session_env import session_from_env

if TYPE_CHECKING:
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>authsession on Flask</title></head>
<body><nav><a href="/">Home</a> · <a href="/profile">Profile</a> · <a href="/dashboard">Dashboard</a></nav>
{% block body %}{% endblock %}</body></html>"""

PROFILE = """{% extends layout %}{% block body %}
{% if auth_session %}
<h1>Welcome, {{ auth_session.user.name or auth_session.user.email }}!</h1>
<p>Your email is {{ auth_session.user.email }}</p>
<form method="post" action="/api/auth/signout">
  <input type="hidden" name="csrfToken" value="{{ csrf_token }}"><button>Sign out</button>
</form>
{% else %}
<p>You must be logged in to view this page.</p>
<p><a href="/login?callbackUrl=%2Fprofile">Sign in</a></p>
{% endif %}{% endblock %}"""

LOGIN = """{% extends layout %}{% block body %}
<h1>Sign in</h1>
{% if error %}<p role="alert">Wrong email or password.</p>{% endif %}
<form method="post" action="/api/auth/callback/credentials">
  <input type="hidden" name="csrfToken" value="{{ csrf_token }}">
  <input type="hidden" name="callbackUrl" value="{{ callback_url }}">
  <label>Email <input name="email" type="email" required></label>
  <label>Password <input name="password" type="password" required></label>
  <button>Sign in</button>
</form>
{% if email_links %}
<form method="post" action="/api/auth/signin/email">
  <input type="hidden" name="csrfToken" value="{{ csrf_token }}">
  <input type="hidden" name="callbackUrl" value="{{ callback_url }}">
  <label>Email <input name="email" type="email" required></label>
  <button>Email me a sign-in link</button>
</form>
{% endif %}{% endblock %}"""


def create_app(secret: str | None = None) -> Flask:
    """The example app; ``flask --app examples.flask_app run`` and waitress's ``--call`` use it."""
    demo_email = os.environ.get("DEMO_EMAIL", "demo@example.com")
    demo_password = os.environ.get("DEMO_PASSWORD", "demo-password")

    format, strategy = session_from_env("jwt")
    adapter = _database(os.environ.get("DEMO_DB") or "demo.sqlite3") if strategy == "database" else None

    async def authorize(credentials: dict[str, Any], request: object) -> dict[str, Any] | None:
        # One account for the example; a real app looks the user up and checks a password hash.
        email_ok = hmac.compare_digest(str(credentials.get("email", "")).encode(), demo_email.encode())
        password_ok = hmac.compare_digest(str(credentials.get("password", "")).encode(), demo_password.encode())
        if not (email_ok and password_ok):
            return None
        if adapter is None:
            return {"id": "demo", "name": "Demo User", "email": demo_email}
        # A database session names a row of users: the account's own (the demo's, when shared).
        user = await adapter.get_user_by_email(demo_email)
        if user is None:
            new = User(id=secrets.token_hex(16), name="Demo User", email=demo_email, emailVerified=None)
            user = await adapter.create_user(new)
        return dict(user)

    providers: list[Provider] = [Credentials(authorize=authorize, credentials={"email": {}, "password": {}})]
    if adapter is not None:
        # With a database, email links work too (they need one); NextAuth refuses database
        # sessions to an app whose only sign-in is credentials. The links are printed here.
        providers.append(Email(send_verification_request=_print_link))
    options = AuthOptions(
        secret=secret or os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32),
        providers=providers,
        pages={"sign_in": "/login"},
        format=format,
        session={"strategy": strategy},
        adapter=adapter,
        # A printed link reaches nobody else, so it may start with the request's host, as the demo's do.
        trust_host=True if adapter is not None and not os.environ.get("AUTH_URL") else None,
    )
    app = Flask(__name__)
    AuthSession(app, options)

    @app.context_processor
    def layout() -> dict[str, Any]:
        return {"layout": app.jinja_env.from_string(LAYOUT)}

    @app.get("/")
    def index() -> str:
        return render_template_string("{% extends layout %}{% block body %}<h1>authsession on Flask</h1>{% endblock %}")

    @app.get("/profile")
    def profile() -> str:
        # The seed's getServerSideProps: ask for the session on the server, before rendering.
        csrf_token = get_csrf_token() if get_server_session() else ""
        return render_template_string(PROFILE, csrf_token=csrf_token)

    @app.get("/dashboard")
    @auth_required(redirect_to="/login")
    def dashboard() -> str:
        return render_template_string("{% extends layout %}{% block body %}<h1>Dashboard</h1>{% endblock %}")

    @app.get("/api/me")
    def me() -> dict[str, Any]:
        session = get_server_session()
        return {"userEmail": session["user"].get("email") if session else None}

    @app.get("/login")
    def login() -> str:
        callback_url = request.args.get("callbackUrl", "/profile")
        error = request.args.get("error")
        return render_template_string(
            LOGIN, csrf_token=get_csrf_token(), callback_url=callback_url, error=error, email_links=adapter is not None
        )

    return app


def _database(path: str) -> SQLAlchemyAdapter:
    """The Auth.js tables in the SQLite file at ``path`` (the FastAPI demo's, when shared), created if missing."""
    from sqlalchemy.engine import URL

    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter

    adapter = SQLAlchemyAdapter(URL.create("sqlite+aiosqlite", database=path))
    # The adapter follows the event loop it is used on: this one is thrown away, Flask's face has its own.
    asyncio.run(adapter.create_schema())
    return adapter


def _print_link(*, identifier: str, url: str, **_: Any) -> None:
    # The link signs in whoever opens it: fine in your own terminal, never in logs others read.
    print(f"Email sign-in link for {identifier}: {url}", flush=True)
