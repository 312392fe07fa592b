"""Calls that start from a Django request: a sync view under WSGI, an ``async def`` view under ASGI.

Each call builds a fresh request (so nothing is memoised between calls). The sync call reaches
the async core through the bridge's event loop, as a WSGI worker thread does; the async one
awaits the bridge from the caller's loop, as an ASGI view does.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import django
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIRequest

from authsession import AuthOptions
from authsession.integrations.django import aget_server_session, get_server_session

if not settings.configured:
    settings.configure(ALLOWED_HOSTS=["localhost"], USE_TZ=True, INSTALLED_APPS=["authsession.integrations.django"])
    django.setup()

HOST = "localhost:8000"


def django_session_call(options: AuthOptions, cookie_header: str) -> Callable[[], Any]:
    """``get_server_session(request, None, options)`` in a sync Django view."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/profile",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "HTTP_HOST": HOST,
        "HTTP_COOKIE": cookie_header,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }

    def call() -> Any:
        session = get_server_session(WSGIRequest(dict(environ)), None, options)
        assert session is not None
        return session

    return call


def django_async_session_call(options: AuthOptions, cookie_header: str) -> Callable[[], Awaitable[Any]]:
    """``await aget_server_session(request, None, options)`` in an ``async def`` Django view."""
    headers = [(b"host", HOST.encode()), (b"cookie", cookie_header.encode("latin-1"))]
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/profile",
        "query_string": b"",
        "headers": headers,
        "server": ("localhost", 8000),
        "scheme": "http",
    }

    async def call() -> Any:
        session = await aget_server_session(ASGIRequest(dict(scope), io.BytesIO()), None, options)
        assert session is not None
        return session

    return call
