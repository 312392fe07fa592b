"""The FastAPI integration: the shared suite on a FastAPI app, plus its dependencies."""

# No ``from __future__ import annotations``: FastAPI must see the ``Annotated[..., Depends(...)]``
# of endpoints defined inside ``build()``, whose dependencies are local variables.

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.testclient import TestClient

from authsession import AuthOptions, Session, get_server_session
from authsession.integrations.fastapi import AuthSession
from helpers import SESSION, USER, make_options

from .session_suite import SessionSuite, cookie_names, set_cookies, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def build(options: AuthOptions, **auth_kwargs: Any) -> FastAPI:
    app = FastAPI()
    auth = AuthSession(app, options)
    required = auth.require_session(**auth_kwargs)

    @app.get("/me")
    async def me(request: Request, response: Response) -> Any:
        return await get_server_session(request, response, options)

    @app.get("/page", response_class=HTMLResponse)
    async def page(request: Request, response: Response) -> HTMLResponse:
        session = await get_server_session(request, response, options)
        name = session["user"]["name"] if session else "stranger"
        return HTMLResponse(f"<p>Hello {name}</p>")

    @app.get("/go")
    async def go(request: Request) -> RedirectResponse:
        await get_server_session(request, None, options)
        return RedirectResponse("/")

    @app.get("/twice")
    async def twice(request: Request, response: Response) -> dict[str, bool]:
        first = await get_server_session(request, response, options)
        second = await get_server_session(request, response, options)
        return {"same": first is second, "signed_in": first is not None}

    @app.get("/health")
    async def health() -> str:
        return "ok"

    @app.get("/maybe")
    async def maybe(session: Annotated[Session | None, Depends(auth.session)]) -> Any:
        return {"name": session["user"]["name"] if session else None}

    @app.get("/dashboard")
    async def dashboard(session: Annotated[Session, Depends(required)]) -> Any:
        return {"hello": session["user"]["name"]}

    @app.get("/form")
    async def form(csrf_token: Annotated[str, Depends(auth.csrf_token)]) -> Any:
        return {"csrfToken": csrf_token}

    return app


class TestFastAPI(SessionSuite):
    framework = "fastapi"

    def build_app(self, options: AuthOptions) -> Any:
        return build(options)


# --- dependencies ----------------------------------------------------------------------------------------------


@pytest.fixture
def app_client(format: str, clean_auth_env: None) -> Iterator[TestClient]:
    # Every read re-encrypts (NextAuth's way), so each page has a refreshed cookie to write once.
    options = make_options(format=format, session={"refresh_threshold": None})
    with TestClient(build(options), follow_redirects=False) as client:
        yield client


def test_session_dependency(app_client: TestClient) -> None:
    assert app_client.get("/maybe").json() == {"name": None}
    sign_in(app_client)
    assert app_client.get("/maybe").json() == {"name": USER["name"]}


def test_require_session_redirects_browsers(app_client: TestClient) -> None:
    response = app_client.get("/dashboard?tab=a b&x=1", headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["location"] == "/api/auth/signin?callbackUrl=%2Fdashboard%3Ftab%3Da%2520b%26x%3D1"


def test_require_session_sends_a_url_too_long_to_come_back_to_the_sign_in_page_alone(app_client: TestClient) -> None:
    response = app_client.get("/dashboard?x=" + "y" * 5000, headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["location"] == "/api/auth/signin"


def test_require_session_answers_401_to_api_clients(app_client: TestClient) -> None:
    response = app_client.get("/dashboard", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert "location" not in response.headers


def test_require_session_lets_a_signed_in_user_through(app_client: TestClient, format: str) -> None:
    sign_in(app_client)
    response = app_client.get("/dashboard", headers=BROWSER)
    assert response.status_code == 200
    assert response.json() == {"hello": USER["name"]}
    assert cookie_names(response).count(SESSION[format]) == 1


def test_the_sign_in_page_sends_the_user_back(app_client: TestClient) -> None:
    redirect = app_client.get("/dashboard", headers=BROWSER).headers["location"]
    page = app_client.get(redirect)
    assert page.status_code == 200
    assert 'name="callbackUrl" value="http://testserver/dashboard"' in page.text
    signed_in = sign_in(app_client, callback_url="http://testserver/dashboard")
    assert signed_in.headers["location"] == "http://testserver/dashboard"
    assert app_client.get("/dashboard", headers=BROWSER).status_code == 200


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize(
    ("options", "auth_kwargs", "location"),
    [
        # Through the API's sign-in route, which remembers callbackUrl and then shows pages.sign_in.
        ({"pages": {"sign_in": "/login"}}, {}, "/api/auth/signin?callbackUrl=%2Fdashboard"),
        ({}, {"redirect_to": "/welcome"}, "/welcome?callbackUrl=%2Fdashboard"),
        ({"base_path": "/auth"}, {}, "/auth/signin?callbackUrl=%2Fdashboard"),
    ],
)
def test_require_session_targets(options: dict[str, Any], auth_kwargs: dict[str, Any], location: str) -> None:
    app = build(make_options(**options), **auth_kwargs)
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/dashboard", headers=BROWSER).headers["location"] == location


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize("sign_in_page", ["/login", "/login?next=1"])
def test_require_session_reaches_the_custom_page_and_remembers_where_to_go(sign_in_page: str) -> None:
    app = build(make_options(pages={"sign_in": sign_in_page}))
    with TestClient(app, follow_redirects=False) as client:
        first = client.get("/dashboard", headers=BROWSER)
        second = client.get(first.headers["location"], headers=BROWSER)
        joiner = "&" if "?" in sign_in_page else "?"
        assert (
            second.headers["location"]
            == f"http://testserver{sign_in_page}{joiner}callbackUrl=http%3A%2F%2Ftestserver%2Fdashboard"
        )
        # The callback-url cookie now holds the destination, for a retry after a failed sign-in.
        assert "http%3A%2F%2Ftestserver%2Fdashboard" in " ".join(second.headers.get_list("set-cookie"))


def test_csrf_token_dependency(app_client: TestClient, format: str) -> None:
    first = app_client.get("/form")
    token = first.json()["csrfToken"]
    csrf = "next-auth.csrf-token" if format == "v4" else "authjs.csrf-token"
    assert cookie_names(first) == [csrf]
    second = app_client.get("/form")
    assert second.json()["csrfToken"] == token
    assert set_cookies(second) == []
    assert app_client.get("/api/auth/csrf").json()["csrfToken"] == token


def test_dict_endpoint_does_not_duplicate_set_cookie(app_client: TestClient, format: str) -> None:
    sign_in(app_client)
    response = app_client.get("/me")
    names = cookie_names(response)
    assert names.count(SESSION[format]) == 1
    assert len(names) == len(set(names))


def test_require_session_clears_a_bad_cookie(app_client: TestClient, format: str) -> None:
    app_client.cookies.set(SESSION[format], "garbage")
    response = app_client.get("/dashboard", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert f"{SESSION[format]}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax" in set_cookies(response)
