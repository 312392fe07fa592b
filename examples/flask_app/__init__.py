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

import hmac
import os
import secrets
from typing import Any

from flask import Flask, render_template_string, request

from authsession import AuthOptions
from authsession.integrations.flask import AuthSession, auth_required, get_csrf_token, get_server_session
from authsession.providers import Credentials

from ..session_env import OneAccountSessions

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

    sessions = OneAccountSessions.from_env("jwt")

    async def authorize(credentials: dict[str, Any], request: object) -> dict[str, Any] | None:
        # One account for the example; a real app looks the user up and checks a password hash.
        email_ok = hmac.compare_digest(str(credentials.get("email", "")).encode(), demo_email.encode())
        password_ok = hmac.compare_digest(str(credentials.get("password", "")).encode(), demo_password.encode())
        return await sessions.user(demo_email) if email_ok and password_ok else None

    options = AuthOptions(
        secret=secret or os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32),
        pages={"sign_in": "/login"},
        **sessions.options(Credentials(authorize=authorize, credentials={"email": {}, "password": {}})),
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
            LOGIN,
            csrf_token=get_csrf_token(),
            callback_url=callback_url,
            error=error,
            email_links=sessions.adapter is not None,
        )

    return app
