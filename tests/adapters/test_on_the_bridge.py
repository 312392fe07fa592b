"""The real adapters on the sync bridge's loop (``authsession.integrations._bridge``), where Flask
runs the core: first used on a start-up loop, then from many request threads at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask, jsonify

from authsession import AuthOptions
from authsession.integrations import _bridge
from authsession.integrations.flask import AuthSession, get_server_session
from authsession.providers import Credentials, Email
from authsession.testing import asession_cookies
from helpers import SECRET

from .test_event_loops import make_adapter, prepare  # noqa: F401 (a fixture, used by name)

pytestmark = [
    pytest.mark.usefixtures("clean_auth_env"),
    # As in test_event_loops: the start-up loop is closed without closing its connections.
    pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"),
]


def test_database_sessions_through_flask_on_the_bridge(make_adapter: Any) -> None:  # noqa: F811
    adapter = make_adapter()
    asyncio.run(prepare(adapter))  # what a start-up script does before the WSGI server
    options = AuthOptions(
        secret=SECRET,
        url="http://localhost",
        adapter=adapter,
        session={"strategy": "database"},
        providers=[
            Credentials(authorize=lambda credentials, request: None, credentials={}),
            Email(send_verification_request=lambda **_: None),
        ],
    )
    app = Flask(__name__)
    AuthSession(app, options)

    @app.get("/me")
    def me() -> Any:
        session = get_server_session()
        return jsonify(session["user"]["email"] if session else None)

    cookies = _bridge.run(asession_cookies(options, {"email": "ada@bridge.example", "name": "Ada"}))
    header = "; ".join(f"{name}={value}" for name, value in cookies.cookies.items())

    def read(_: int) -> Any:
        return app.test_client(use_cookies=False).get("/me", headers={"Cookie": header}).json

    with ThreadPoolExecutor(max_workers=8) as pool:  # WSGI worker threads
        assert set(pool.map(read, range(32))) == {"ada@bridge.example"}
    _bridge.run(adapter.delete_session(cookies.value))
    assert read(0) is None
