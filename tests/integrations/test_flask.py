"""The Flask integration: the shared REST suite through Flask's test client, plus what is Flask's own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, jsonify, redirect, render_template_string
from flask import Response as FlaskResponse
from flask.testing import FlaskClient

from authsession import AuthOptions
from authsession.adapters import MemoryAdapter
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.integrations import _bridge
from authsession.integrations.flask import (
    AuthSession,
    aget_server_session,
    auth_required,
    get_csrf_token,
    get_server_session,
)
from authsession.providers import Email
from authsession.testing import asession_cookies
from helpers import PASSWORD, REFRESH_AGE, SESSION, USER, FakeClock, make_credentials, make_options

from .flask_client import FlaskSuiteClient, flask_suite_client
from .session_suite import SITE, SessionSuite, cookie_names, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def build(options: AuthOptions, **required: Any) -> Flask:
    app = Flask(__name__)
    AuthSession(app, options)

    @app.get("/me")
    def me() -> FlaskResponse:
        # The explicit form: cookies go on this response, and the hook does not add them twice.
        response = jsonify(None)
        session = get_server_session(None, response)
        response.set_data(jsonify(session).get_data())
        return response

    @app.get("/page")
    def page() -> str:
        session = get_server_session()
        return f"<p>Hello {session['user']['name'] if session else 'stranger'}</p>"

    @app.get("/go")
    def go() -> Any:
        get_server_session()
        return redirect("/", code=307)

    @app.get("/twice")
    def twice() -> Any:
        first, second = get_server_session(), get_server_session()
        return {"same": first is second, "signed_in": first is not None}

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.get("/dashboard")
    @auth_required(**required)
    def dashboard() -> Any:
        return {"hello": g.auth_session["user"]["name"]}

    @app.get("/async-dashboard")
    @auth_required
    async def async_dashboard() -> Any:
        await asyncio.sleep(0)
        again = await aget_server_session()
        return {"hello": g.auth_session["user"]["name"], "same": again is g.auth_session}

    @app.get("/async-me")
    async def async_me() -> Any:
        # The sync face inside a running loop (asgiref's): it runs on the bridge loop, not this one.
        return jsonify(get_server_session())

    @app.get("/template")
    def template() -> str:
        return render_template_string(
            "{% if auth_session %}Welcome, {{ auth_session.user.name }}!{% else %}Anonymous{% endif %}"
        )

    @app.get("/form")
    def form() -> str:
        return f'<input name="csrfToken" value="{get_csrf_token()}">'

    return app


class TestFlask(SessionSuite):
    framework = "flask"

    def build_app(self, options: AuthOptions) -> Any:
        return build(options)

    def open_client(self, app: Any, base_url: str = SITE) -> AbstractContextManager[Any]:
        return flask_suite_client(app, base_url)


@pytest.fixture
def client(format: str, clean_auth_env: None) -> Iterator[FlaskSuiteClient]:
    with flask_suite_client(build(make_options(format=format)), SITE) as suite_client:
        yield suite_client


# --- auth_required --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboard", "/async-dashboard"])
def test_auth_required_sends_browsers_to_sign_in(client: FlaskSuiteClient, path: str) -> None:
    response = client.get(f"{path}?tab=1", headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["location"] == f"/api/auth/signin?callbackUrl=%2F{path[1:]}%3Ftab%3D1"
    # The sign-in route remembers the page and shows the built-in form.
    signin = client.get(response.headers["location"])
    assert signin.status_code == 200
    assert "callback-url" in " ".join(cookie_names(signin))


@pytest.mark.parametrize("path", ["/dashboard", "/async-dashboard"])
def test_auth_required_answers_api_clients_401(client: FlaskSuiteClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json() == {"message": "Not authenticated"}


@pytest.mark.parametrize("path", ["/dashboard", "/async-dashboard"])
def test_auth_required_lets_a_signed_in_user_through(client: FlaskSuiteClient, path: str) -> None:
    sign_in(client)
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200
    assert response.json()["hello"] == USER["name"]
    if path == "/async-dashboard":
        assert response.json()["same"] is True


def test_auth_required_to_a_page_of_your_own(clean_auth_env: None) -> None:
    with flask_suite_client(build(make_options(), redirect_to="/login?next=1"), SITE) as client:
        response = client.get("/dashboard", headers=BROWSER)
        assert response.headers["location"] == "/login?next=1&callbackUrl=%2Fdashboard"


def test_the_sync_face_inside_an_async_view(client: FlaskSuiteClient) -> None:
    assert client.get("/async-me").json() is None
    sign_in(client)
    assert client.get("/async-me").json()["user"]["email"] == USER["email"]


# --- cookies, templates, CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_after_request_writes_the_refreshed_cookie(format: str, clean_auth_env: None) -> None:
    clock = FakeClock(1_900_000_000.0)
    with flask_suite_client(build(make_options(format=format, clock=clock)), SITE) as client:
        sign_in(client)
        before = client.cookies[SESSION[format]]
        clock.advance(REFRESH_AGE)
        response = client.get("/page")  # the view never sees a response object
        assert cookie_names(response).count(SESSION[format]) == 1
        assert client.cookies[SESSION[format]] != before
        untouched = client.get("/health")
        assert SESSION[format] not in cookie_names(untouched)


def test_the_session_in_templates(client: FlaskSuiteClient) -> None:
    assert client.get("/template").text == "Anonymous"
    sign_in(client)
    assert client.get("/template").text == f"Welcome, {USER['name']}!"


def test_flasks_own_session_stays_in_templates(client: FlaskSuiteClient) -> None:
    app = Flask(__name__)
    app.secret_key = "x" * 32
    AuthSession(app, make_options())

    @app.get("/")
    def index() -> str:
        return render_template_string("{{ session.__class__.__name__ }}")

    assert app.test_client().get("/").get_data(as_text=True) == "SecureCookieSession"


def test_get_csrf_token_for_a_custom_form(client: FlaskSuiteClient, format: str) -> None:
    first = client.get("/form")
    token = first.text.split('value="')[1].split('"')[0]
    assert len(token) == 64
    assert client.get("/form").text == first.text
    signed_out = client.post("/api/auth/signout", data={"csrfToken": token})
    assert "MissingCSRF" not in signed_out.headers["location"]
    assert "csrf=true" not in signed_out.headers["location"]


def test_init_app_the_factory_way(clean_auth_env: None) -> None:
    auth = AuthSession()
    app = Flask(__name__)
    auth.init_app(app, make_options())

    @app.get("/me")
    def me() -> Any:
        return jsonify(get_server_session())

    client: FlaskClient = app.test_client()
    assert client.get("/api/auth/providers").json["credentials"]["id"] == "credentials"  # type: ignore[index]
    assert client.get("/me").json is None


def test_without_setup_the_error_says_what_to_do() -> None:
    app = Flask(__name__)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match=r"AuthSession\(app, options\)"):
        get_server_session()


def test_a_refused_request_has_no_session(client: FlaskSuiteClient) -> None:
    sign_in(client)
    headers = {f"x-h{i}": "1" for i in range(300)}
    assert client.get("/me", headers=headers).json() is None
    assert client.get("/api/auth/csrf", headers=headers).status_code == 431
    assert client.get("/api/auth/session", headers={"host": "evil.example"}).status_code == 400


# --- both session strategies ----------------------------------------------------------------------------------


def database_options(format: str, adapter: Any, **overrides: Any) -> AuthOptions:
    async def no_mail(**_: Any) -> None:
        return None

    return make_options(
        format=format,
        adapter=adapter,
        providers=[make_credentials(), Email(send_verification_request=no_mail)],
        session={"strategy": "database"},
        url=SITE,
        **overrides,
    )


@pytest.fixture(params=["memory", "sqlite"])
def database_adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryAdapter()
        return
    adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
    # Created on a throwaway loop, then used on the bridge's: the adapter follows the loop.
    asyncio.run(adapter.create_schema())
    yield adapter
    _bridge.run(adapter.close())


def test_database_sessions(format: str, database_adapter: Any, clean_auth_env: None) -> None:
    options = database_options(format, database_adapter)
    cookies = _bridge.run(asession_cookies(options, {"email": USER["email"], "name": USER["name"]}))
    with flask_suite_client(build(options), SITE) as client:
        for name, value in cookies.cookies.items():
            client.cookies.set(name, value)
        assert client.get("/me").json()["user"]["email"] == USER["email"]
        assert client.get("/template").text == f"Welcome, {USER['name']}!"
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        client.post("/api/auth/signout", data={"csrfToken": token})
        assert client.get("/me").json() is None
    assert _bridge.run(_awaitable(database_adapter.get_session_and_user(cookies.value))) is None


async def _awaitable(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


def test_jwt_sessions_with_credentials(client: FlaskSuiteClient, format: str) -> None:
    assert sign_in(client, password=PASSWORD).status_code == 302
    assert client.get("/me").json()["user"]["name"] == USER["name"]


# --- the bridge -----------------------------------------------------------------------------------------------


def test_the_bridge_keeps_one_loop_across_threads() -> None:
    async def loop_id() -> int:
        return id(asyncio.get_running_loop())

    seen: list[int] = []
    threads = [threading.Thread(target=lambda: seen.append(_bridge.run(loop_id()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1
    assert seen[0] == _bridge.run(loop_id())


def test_the_bridge_from_inside_a_running_loop() -> None:
    async def where() -> str:
        return threading.current_thread().name

    async def caller() -> tuple[str, str]:
        return _bridge.run(where()), await _bridge.run_async(where())

    assert asyncio.run(caller()) == ("authsession-bridge", "authsession-bridge")


def test_the_bridge_passes_exceptions_and_context_through() -> None:
    async def boom() -> None:
        raise ValueError("from the core")

    with pytest.raises(ValueError, match="from the core"):
        _bridge.run(boom())


def test_the_bridge_refuses_to_wait_on_itself() -> None:
    async def inner() -> int:
        return 1

    async def outer() -> int:
        return _bridge.run(inner())

    with pytest.raises(RuntimeError, match="its own event loop"):
        _bridge.run(outer())


def test_the_bridge_shuts_down_and_starts_again() -> None:
    async def one() -> int:
        return 1

    assert _bridge.run(one()) == 1
    _bridge.shutdown()
    assert _bridge.run(one()) == 1


# --- which reads cross to the bridge ---------------------------------------------------------------------------


def _thread_of_read(options: AuthOptions, *, is_async: bool) -> str:
    """The thread the ``jwt`` or ``session`` callback ran on while a view read the session."""
    THREADS.clear()
    app = Flask(__name__)
    AuthSession(app, options)

    @app.get("/sync")
    def sync_view() -> Any:
        return {"signed_in": get_server_session() is not None}

    @app.get("/async")
    async def async_view() -> Any:
        return {"signed_in": await aget_server_session() is not None}

    cookies = _bridge.run(asession_cookies(options, {"email": USER["email"], "name": USER["name"]}))
    with flask_suite_client(app, SITE) as client:
        for name, value in cookies.cookies.items():
            client.cookies.set(name, value)
        assert client.get("/async" if is_async else "/sync").json() == {"signed_in": True}
    (thread,) = THREADS
    return thread


THREADS: list[str] = []


def _record_thread(**kwargs: Any) -> dict[str, Any]:
    THREADS.append(threading.current_thread().name)
    result: dict[str, Any] = kwargs["token"] if "token" in kwargs else kwargs["session"]
    return result


async def _record_thread_async(**kwargs: Any) -> dict[str, Any]:
    return _record_thread(**kwargs)


@pytest.mark.parametrize("is_async", [False, True], ids=["def view", "async view"])
def test_a_jwt_read_with_plain_callbacks_stays_on_the_view_s_thread(format: str, is_async: bool) -> None:
    """Nothing in it waits, so it needs no event loop: no hop to the bridge thread and back."""
    options = make_options(format=format, url=SITE, callbacks={"jwt": _record_thread})
    assert _thread_of_read(options, is_async=is_async) != "authsession-bridge"


@pytest.mark.parametrize("is_async", [False, True], ids=["def view", "async view"])
def test_a_read_that_may_wait_runs_on_the_bridge(format: str, is_async: bool) -> None:
    options = make_options(format=format, url=SITE, callbacks={"jwt": _record_thread_async})
    assert _thread_of_read(options, is_async=is_async) == "authsession-bridge"
    database = database_options(format, MemoryAdapter(), callbacks={"session": _record_thread})
    assert _thread_of_read(database, is_async=is_async) == "authsession-bridge"


def test_inline_runs_a_coroutine_that_never_waits_here() -> None:
    async def here() -> str:
        return threading.current_thread().name

    assert _bridge.run(here(), inline=True) == threading.current_thread().name


def test_inline_stops_a_coroutine_that_waits() -> None:
    closed: list[bool] = []

    class Pending:
        def __await__(self) -> Any:
            try:
                yield None
            finally:
                closed.append(True)

    async def waits() -> None:
        await Pending()

    with pytest.raises(RuntimeError, match="waited"):
        _bridge.run(waits(), inline=True)
    assert closed == [True]
