"""The seed's pages on Flask: a profile page, a protected dashboard and ``/api/me``.

Run it from the repository root, with the ``flask`` extra installed::

    flask --app examples.flask_app run

Sign in at http://127.0.0.1:5000/login as ``demo@example.com`` / ``demo-password`` (or the
``DEMO_EMAIL`` / ``DEMO_PASSWORD`` you set). Set ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and
``OIDC_CLIENT_SECRET`` to offer an OpenID Connect provider as well (its callback URL is
``<site>/api/auth/callback/oidc``). Sessions are JWTs in a cookie by default, so there is no
database. Without ``AUTH_SECRET`` a random secret is made at start-up and every session ends
with the process.

``AUTH_FORMAT`` (``v5`` or ``v4``) and ``AUTH_SESSION_STRATEGY`` (``jwt`` or ``database``, with
the users and sessions in the SQLite file ``DEMO_DB``, default ``./demo.sqlite3``) are read as the
FastAPI demo and the Django example read them (``examples/session_env.py``): set them alike, with
one ``AUTH_SECRET``, and they share sessions.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask, render_template_string, request

from authsession import AuthOptions
from authsession.integrations.flask import AuthSession, auth_required, get_csrf_token, get_server_session

from ..session_env import SHARED_TEMPLATES, OneAccountSessions

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

# The forms are examples/templates/sign_in_forms.html, which the Django example includes too.
LOGIN = """{% extends layout %}{% block body %}
<h1>Sign in</h1>
{% include "sign_in_forms.html" %}{% endblock %}"""

DASHBOARD = """{% extends layout %}{% block body %}<h1>Dashboard</h1>
<p>Signed in as {{ auth_session.user.email }}</p>{% endblock %}"""


def create_app(secret: str | None = None) -> Flask:
    """The example app; ``flask --app examples.flask_app run`` and waitress's ``--call`` use it."""
    sessions = OneAccountSessions.from_env("jwt")
    options = AuthOptions(
        secret=secret or os.environ.get("AUTH_SECRET") or secrets.token_urlsafe(32),
        pages={"sign_in": "/login"},
        **sessions.options(),
    )
    app = Flask(__name__, template_folder=SHARED_TEMPLATES)
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
        return render_template_string(DASHBOARD)

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
            providers=[p for p in options.providers if p.type in ("oauth", "oidc")],
        )

    return app
