"""A Starlette request/response pair per call, as an endpoint would have them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from authsession import AuthOptions, get_server_session


def starlette_session_call(options: AuthOptions, cookie_header: str) -> Callable[[], Awaitable[Any]]:
    headers = [(b"host", b"localhost:8000"), (b"cookie", cookie_header.encode())]

    async def call() -> Any:
        scope = {"type": "http", "method": "GET", "path": "/profile", "headers": headers, "query_string": b""}
        session = await get_server_session(Request(scope), Response(), options)
        assert session is not None
        return session

    return call
