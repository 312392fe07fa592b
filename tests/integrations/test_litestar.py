"""The Litestar integration: the shared suite through Litestar's own test client, plus Litestar-only cases."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Litestar, Request, Response, Router, WebSocket, get, websocket
from litestar.config.csrf import CSRFConfig
from litestar.enums import MediaType
from litestar.exceptions import WebSocketDisconnect
from litestar.response import Redirect
from litestar.testing import TestClient

from authsession import AuthOptions
from authsession.adapters import MemoryAdapter
from authsession.integrations.litestar import (
    AuthRequired,
    AuthSession,
    auth_required,
    end_sessions,
    get_csrf_token,
    get_server_session,
    has_second_factor,
    list_user_sessions,
    update_server_session,
)
from authsession.providers import Email
from authsession.testing import asession_cookies, session_cookies
from authsession.two_factor import TwoFactor
from authsession.types import Session
from helpers import SESSION, USER, make_credentials, make_options

from .litestar_client import litestar_client
from .session_suite import SITE, SessionSuite, cookie_names, renaming_options, set_cookies, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def handlers(options: AuthOptions | None = None) -> list[Any]:
    """The suite's pages; ``options=None`` reads them from the app's plugin."""

    @get("/me")
    async def me(request: Request[Any, Any, Any]) -> Session | None:
        return await get_server_session(request, options)

    @get("/page", media_type=MediaType.HTML)
    async def page(request: Request[Any, Any, Any]) -> str:
        session = await get_server_session(request, options)
        name = session["user"]["name"] if session else "stranger"
        return f"<p>Hello {name}</p>"

    @get("/go")
    async def go(request: Request[Any, Any, Any]) -> Redirect:
        await get_server_session(request, options)
        return Redirect("/", status_code=307)

    @get("/twice")
    async def twice(request: Request[Any, Any, Any]) -> dict[str, bool]:
        first = await get_server_session(request, options)
        second = await get_server_session(request, options)
        return {"same": first is second, "signed_in": first is not None}

    @get("/health", media_type=MediaType.TEXT)
    async def health() -> str:
        return "ok"

    return [me, page, go, twice, health]


class TestLitestar(SessionSuite):
    framework = "litestar"

    def build_app(self, options: AuthOptions) -> Any:
        return Litestar(route_handlers=handlers(options), plugins=[AuthSession(options)])

    def open_client(self, app: Any, base_url: str = SITE) -> Any:
        return litestar_client(app, base_url)


# --- Litestar-only ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_auth_env")
def test_options_come_from_the_plugin(format: str) -> None:
    app = Litestar(route_handlers=handlers(), plugins=[AuthSession(make_options(format=format))])
    with litestar_client(app) as client:
        sign_in(client)
        assert client.get("/me").json()["user"]["name"] == USER["name"]
        assert client.get("/api/auth/session").json()["user"]["name"] == USER["name"]


def test_without_the_plugin_it_says_how_to_set_it_up() -> None:
    @get("/me", media_type=MediaType.TEXT)
    async def me(request: Request[Any, Any, Any]) -> str:
        with pytest.raises(RuntimeError, match=r"plugins=\[AuthSession\(options\)\]"):
            await get_server_session(request)
        return "told"

    with litestar_client(Litestar(route_handlers=[me])) as client:
        assert client.get("/me").text == "told"


@pytest.mark.usefixtures("clean_auth_env")
def test_a_cookie_the_page_sets_itself_wins(format: str) -> None:
    options = make_options(format=format)

    @get("/own")
    async def own(request: Request[Any, Any, Any]) -> Response[str]:
        await get_server_session(request)
        return Response("mine", cookies={SESSION[format]: "the-page-s-own"})

    app = Litestar(route_handlers=[*handlers(), own], plugins=[AuthSession(options)])
    with litestar_client(app) as client:
        sign_in(client)
        response = client.get("/own")
        assert cookie_names(response).count(SESSION[format]) == 1
        assert client.cookies[SESSION[format]] == "the-page-s-own"


@pytest.mark.usefixtures("clean_auth_env")
def test_get_csrf_token_for_a_custom_form(format: str) -> None:
    @get("/form", media_type=MediaType.HTML)
    async def form(request: Request[Any, Any, Any]) -> str:
        return f'<input name="csrfToken" value="{get_csrf_token(request)}">'

    app = Litestar(route_handlers=[form], plugins=[AuthSession(make_options(format=format))])
    with litestar_client(app) as client:
        first = client.get("/form")
        token = first.text.split('value="')[1].split('"')[0]
        assert len(token) == 64
        assert cookie_names(first) == ["next-auth.csrf-token" if format == "v4" else "authjs.csrf-token"]
        assert client.get("/form").text == first.text
        signed_out = client.post("/api/auth/signout", data={"csrfToken": token})
        assert signed_out.status_code == 302
        assert "csrf=true" not in signed_out.headers["location"]
        assert "MissingCSRF" not in signed_out.headers["location"]


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize("excluded", [False, True])
def test_the_app_s_own_middleware_runs_on_the_auth_routes(excluded: bool) -> None:
    """The auth API is a Litestar route: Litestar's CSRF middleware guards it unless told not to."""
    options = make_options()
    config = CSRFConfig(secret="litestar-csrf-secret", exclude=[f"{options.base_path}/"] if excluded else None)
    app = Litestar(route_handlers=handlers(), plugins=[AuthSession(options)], csrf_config=config)
    with litestar_client(app) as client:
        response = sign_in(client)
        if excluded:
            assert response.status_code == 302
            assert client.get("/me").json()["user"]["name"] == USER["name"]
        else:
            assert response.status_code == 403  # Litestar's own check answered, before the core
            assert SESSION["v5"] not in client.cookies


def test_it_needs_no_other_web_framework() -> None:
    """``authsession[litestar]`` alone is enough: the module imports with Starlette and the rest blocked."""
    program = textwrap.dedent(
        """
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("starlette", "fastapi", "flask", "werkzeug", "django"):
                    raise ImportError(f"{name} is blocked")
                return None

        sys.meta_path.insert(0, Blocker())
        from litestar import Litestar
        from authsession import AuthOptions
        from authsession.integrations.litestar import AuthSession

        Litestar(plugins=[AuthSession(AuthOptions(secret="s" * 32, url="http://localhost:8000"))])
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize("strategy", ["jwt", "database"])
def test_sign_in_read_and_sign_out_with_each_strategy(format: str, strategy: str) -> None:
    adapter = MemoryAdapter()
    # USER is the helpers' plain dict; the adapter takes the User TypedDict.
    asyncio.run(adapter.create_user({**USER, "emailVerified": None}))  # type: ignore[typeddict-item]

    async def no_mail(**_: Any) -> None:
        return None

    options = make_options(
        format=format,
        providers=[make_credentials(), Email(send_verification_request=no_mail)],
        adapter=adapter,
        session={"strategy": strategy},
        url=SITE,
    )
    app = Litestar(route_handlers=handlers(), plugins=[AuthSession(options)])
    with litestar_client(app) as client:
        sign_in(client)
        assert client.get("/me").json()["user"]["email"] == USER["email"]
        assert len(adapter.sessions) == (1 if strategy == "database" else 0)
        token = client.get("/api/auth/csrf").json()["csrfToken"]
        assert client.post("/api/auth/signout", data={"csrfToken": token}).status_code == 302
        assert client.get("/me").json() is None
        assert adapter.sessions == {}


# --- the guard --------------------------------------------------------------------------------------------------


def guarded(guard: AuthRequired = auth_required) -> list[Any]:
    """A page behind ``guard``, and a whole router behind it."""

    @get("/dashboard", guards=[guard])
    async def dashboard(request: Request[Any, Any, Any]) -> dict[str, Any]:
        session = await get_server_session(request)
        assert session is not None
        # The guard's read is memoised: the handler gets the very same session.
        return {"hello": session["user"]["name"], "same": session is await get_server_session(request)}

    @get("/report", media_type=MediaType.TEXT)
    async def report() -> str:
        return "the report"

    return [dashboard, Router("/admin", route_handlers=[report], guards=[guard])]


@contextmanager
def guarded_client(options: AuthOptions, guard: AuthRequired = auth_required) -> Iterator[TestClient[Litestar]]:
    app = Litestar(route_handlers=[*handlers(), *guarded(guard)], plugins=[AuthSession(options)])
    with litestar_client(app) as client:
        yield client


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize("path", ["/dashboard", "/admin/report"])
def test_the_guard_sends_browsers_to_sign_in(format: str, path: str) -> None:
    with guarded_client(make_options(format=format)) as client:
        response = client.get(f"{path}?tab=1", headers=BROWSER)
        assert response.status_code == 307
        assert response.headers["location"] == f"/api/auth/signin?callbackUrl={path.replace('/', '%2F')}%3Ftab%3D1"
        # The sign-in route remembers the page and shows the built-in form.
        signin = client.get(response.headers["location"])
        assert signin.status_code == 200
        assert "callback-url" in " ".join(cookie_names(signin))


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize("path", ["/dashboard", "/admin/report"])
def test_the_guard_answers_api_clients_401(path: str) -> None:
    with guarded_client(make_options()) as client:
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 401
        assert response.json() == {"status_code": 401, "detail": "Not authenticated"}


@pytest.mark.usefixtures("clean_auth_env")
def test_the_guard_lets_a_signed_in_user_through(format: str) -> None:
    with guarded_client(make_options(format=format)) as client:
        sign_in(client)
        assert client.get("/dashboard", headers=BROWSER).json() == {"hello": USER["name"], "same": True}
        assert client.get("/admin/report").text == "the report"


@pytest.mark.usefixtures("clean_auth_env")
def test_the_guard_to_a_page_of_your_own() -> None:
    with guarded_client(make_options(), AuthRequired(redirect_to="/login?next=1")) as client:
        response = client.get("/dashboard", headers=BROWSER)
        assert response.headers["location"] == "/login?next=1&callbackUrl=%2Fdashboard"


@pytest.mark.usefixtures("clean_auth_env")
def test_the_guard_s_answer_carries_the_cookies_the_read_cleared(format: str) -> None:
    """A session cookie that no longer opens is cleared on the guard's redirect, as on any page."""
    with guarded_client(make_options(format=format)) as client:
        client.cookies.set(SESSION[format], "not-a-token")
        response = client.get("/dashboard", headers=BROWSER)
        assert response.status_code == 307
        assert f"{SESSION[format]}=; Max-Age=0; Path=/" in "\n".join(set_cookies(response))


@pytest.mark.usefixtures("clean_auth_env")
def test_the_guard_can_require_a_second_factor() -> None:
    options = make_options(url=SITE, adapter=MemoryAdapter(), session={"strategy": "jwt"}, two_factor=TwoFactor())

    @get("/secret", guards=[AuthRequired(second_factor=True)])
    async def secret(request: Request[Any, Any, Any]) -> dict[str, Any]:
        session = await get_server_session(request)
        return {"email": session["user"]["email"] if session else None, "2fa": await has_second_factor(request)}

    ada = {"id": "u1", "email": USER["email"]}
    app = Litestar(route_handlers=[secret], plugins=[AuthSession(options)])
    with litestar_client(app) as client:
        assert client.get("/secret").status_code == 401
        session_cookies(options, ada).set_on(client)
        assert client.get("/secret").status_code == 403
        refused = client.get("/secret", headers=BROWSER)
        assert refused.status_code == 307
        assert refused.headers["location"] == "/api/auth/two-factor?callbackUrl=%2Fsecret"
        session_cookies(options, ada, claims={"amr": ["otp"]}).set_on(client)
        assert client.get("/secret").json() == {"email": USER["email"], "2fa": True}


@pytest.mark.usefixtures("clean_auth_env")
def test_a_second_factor_guard_without_two_factor_runs_nothing() -> None:
    ran: list[str] = []

    @get("/secret", guards=[AuthRequired(second_factor=True)], media_type=MediaType.TEXT)
    async def secret() -> str:
        ran.append("secret")
        return "secret"

    with litestar_client(Litestar(route_handlers=[secret], plugins=[AuthSession(make_options())])) as client:
        sign_in(client)
        assert client.get("/secret").status_code == 500
    assert ran == []


@pytest.mark.usefixtures("clean_auth_env")
def test_the_guard_refuses_an_anonymous_websocket() -> None:
    @websocket("/live", guards=[auth_required])
    async def live(socket: WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        session = await get_server_session(socket)
        await socket.send_json({"email": session["user"]["email"] if session else None})
        await socket.close()

    app = Litestar(route_handlers=[*handlers(), live], plugins=[AuthSession(make_options())])
    with litestar_client(app) as client:
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("/live") as socket:
            socket.receive_json()
        sign_in(client)
        with client.websocket_connect("/live") as socket:
            assert socket.receive_json() == {"email": USER["email"]}


# --- update, list and end sessions -----------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_auth_env")
def test_handlers_update_list_and_end_sessions() -> None:
    """Litestar's faces of update_server_session, list_user_sessions and end_sessions (database sessions)."""
    adapter = MemoryAdapter()
    options = renaming_options(adapter)

    @get("/rename")
    async def rename(request: Request[Any, Any, Any]) -> dict[str, Any]:
        updated = await update_server_session(request, {"name": "Ada King"})
        return {"name": updated["user"]["name"] if updated else None, "read": await get_server_session(request)}

    @get("/sessions")
    async def sessions(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"sessions": await list_user_sessions(request)}

    @get("/elsewhere")
    async def elsewhere(request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"ended": await end_sessions(request, "others")}

    asyncio.run(adapter.create_user({"id": "u1", "name": "Ada", "email": USER["email"], "emailVerified": None}))
    ada = {"id": "u1", "email": USER["email"]}
    laptop = asyncio.run(asession_cookies(options, ada))
    phone = asyncio.run(asession_cookies(options, ada))
    app = Litestar(route_handlers=[rename, sessions, elsewhere], plugins=[AuthSession(options)])
    with litestar_client(app) as client:
        assert client.get("/sessions").json() == {"sessions": None}
        assert client.get("/elsewhere").json() == {"ended": None}
        laptop.set_on(client)
        renamed = client.get("/rename").json()
        assert renamed["name"] == "Ada King"
        assert renamed["read"]["user"]["name"] == "Ada King"  # later reads in the request see the update
        listed = client.get("/sessions").json()["sessions"]
        assert len(listed) == 2
        assert [entry["current"] for entry in listed].count(True) == 1
        assert client.get("/elsewhere").json() == {"ended": 1}
        assert phone.value not in adapter.sessions
        assert laptop.value in adapter.sessions
        assert len(client.get("/sessions").json()["sessions"]) == 1
