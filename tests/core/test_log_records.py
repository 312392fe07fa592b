"""Log records carry the text of an exception, never the exception object.

A handler that keeps records (``logging.handlers.MemoryHandler``, a buffer shipped in batches,
pytest's caplog) would otherwise keep each exception alive, its traceback with it, and through the
traceback every frame's locals: the request, its cookies, the options. The line logged is the same.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from authsession import get_server_session
from authsession._core.handler import handle
from authsession._core.limits import MAX_HEADER_COUNT
from authsession._core.server_session import get_session
from helpers import SESSION, make_options, make_request

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SRC = Path(__file__).resolve().parents[2] / "src" / "authsession"
LEVELS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _args(record: logging.LogRecord) -> tuple[Any, ...]:
    if isinstance(record.args, dict):
        return tuple(record.args.values())
    return tuple(record.args or ())


async def test_error_lines_keep_the_text_and_drop_the_exception(format: str, caplog: pytest.LogCaptureFixture) -> None:
    options = make_options(format=format)
    too_many = [(f"x-h{i}".encode(), b"1") for i in range(MAX_HEADER_COUNT + 1)]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": too_many, "query_string": b""}
    with caplog.at_level(logging.DEBUG, logger="authsession"):
        # A session cookie that is no JWE, an action the handler refuses, a request over a bound.
        await get_session(make_request("GET", "session", cookies={SESSION[format]: "not.a.jwe"}), options)
        await handle(make_request("GET", "signin", query={"callbackUrl": "javascript:alert(1)"}), options)
        assert await get_server_session(Request(scope), Response(), options) is None

    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("JWT_SESSION_ERROR: ") and len(line) > len("JWT_SESSION_ERROR: ") for line in lines)
    assert any("Invalid callback URL" in line for line in lines)
    assert any(line.startswith("No session for a refused request: More than") for line in lines)
    held = [(r.getMessage(), a) for r in caplog.records for a in _args(r) if isinstance(a, BaseException)]
    assert held == []


def test_no_log_call_in_the_library_passes_a_caught_exception() -> None:
    """The same rule for every ``except ... as name`` in ``src``, including paths no test reaches."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for handler in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(handler, ast.ExceptHandler) or handler.name is None:
                continue
            caught = handler.name
            for node in ast.walk(handler):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr in LEVELS and any(isinstance(a, ast.Name) and a.id == caught for a in node.args[1:]):
                    found.append(f"{path.relative_to(SRC.parent)}:{node.lineno}")
    assert found == []
