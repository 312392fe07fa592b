"""Calls that start from a Flask request, as a sync view would make them.

Each call builds a fresh request from one WSGI environ (so nothing is memoised between calls)
and reaches the async core through the sync bridge, as a WSGI worker thread does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request
from werkzeug.test import EnvironBuilder

from authsession import AuthOptions
from authsession.integrations.flask import get_server_session


def flask_session_call(options: AuthOptions, cookie_header: str) -> Callable[[], Any]:
    """``get_server_session(request, None, options)`` in a sync Flask view."""
    environ = EnvironBuilder(
        path="/profile", headers=[("Host", "localhost:8000"), ("Cookie", cookie_header)]
    ).get_environ()

    def call() -> Any:
        session = get_server_session(Request(dict(environ)), None, options)
        assert session is not None
        return session

    return call
