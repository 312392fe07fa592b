"""The Litestar integration: the shared suite through Litestar's own test client, plus Litestar-only cases."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.enums import MediaType
from litestar.response import Redirect
from litestar.testing import TestClient

from authsession import AuthOptions
from authsession.adapters import MemoryAdapter
from authsession.integrations.litestar import AuthSession, get_csrf_token, get_server_session
from authsession.providers import Email
from authsession.types import Session
from helpers import SESSION, USER, make_credentials, make_options

from .session_suite import SITE, SessionSuite, cookie_names, sign_in


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


@contextmanager
def litestar_client(app: Litestar, base_url: str = SITE) -> Iterator[TestClient[Litestar]]:
    with warnings.catch_warnings():
        # Litestar warns about a host without a dot; the suite's site is Starlette's http://testserver,
        # and httpx's jar keeps its cookies (the suite checks they come back).
        warnings.filterwarnings("ignore", "The base_url", UserWarning)
        opened = TestClient(app, base_url=base_url)
    with opened as client:
        client.follow_redirects = False  # the suite reads every redirect itself
        yield client


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
