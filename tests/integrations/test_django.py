"""The Django integration: the shared REST suite through Django's test client, plus what is Django's own."""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.template import engines
from django.test import AsyncClient, RequestFactory, override_settings
from django.urls import include, path
from django.views import View

from helpers import PASSWORD, REFRESH_AGE, SESSION, USER, FakeClock, configure_django, make_credentials, make_options

configure_django()

from authsession import AuthOptions  # noqa: E402 (Django's settings first)
from authsession.adapters import MemoryAdapter  # noqa: E402
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter  # noqa: E402
from authsession.integrations import _bridge  # noqa: E402
from authsession.integrations.django import (  # noqa: E402
    AuthRequiredMixin,
    aget_server_session,
    auth_required,
    get_csrf_token,
    get_options,
    get_server_session,
    has_second_factor,
)
from authsession.integrations.django.apps import check_settings  # noqa: E402
from authsession.providers import Email  # noqa: E402
from authsession.testing import asession_cookies, session_cookies  # noqa: E402
from authsession.two_factor import TwoFactor  # noqa: E402

from .django_client import PROJECT, DjangoSuiteClient, URLConf, django_suite_client  # noqa: E402
from .session_suite import SITE, SessionSuite, cookie_names, renaming_options, sign_in  # noqa: E402

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
Built = tuple[URLConf, AuthOptions]


def _name(session: Any) -> str:
    return str(session["user"]["name"])


class Dashboard(AuthRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse({"hello": _name(get_server_session(request))})


class AsyncDashboard(AuthRequiredMixin, View):
    auth_redirect_to = "/login"

    async def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse({"hello": _name(await aget_server_session(request))})


def build(options: AuthOptions, **required: Any) -> Built:
    def me(request: HttpRequest) -> HttpResponse:
        # The explicit form: cookies go on this response, and the middleware does not add them twice.
        response = HttpResponse(content_type="application/json")
        response.content = json.dumps(get_server_session(request, response)).encode()
        return response

    def page(request: HttpRequest) -> HttpResponse:
        session = request.auth_session  # type: ignore[attr-defined]  # the middleware's lazy attribute
        return HttpResponse(f"<p>Hello {session['user']['name'] if session else 'stranger'}</p>")

    def go(request: HttpRequest) -> HttpResponseBase:
        get_server_session(request)
        return HttpResponseRedirect("/", status=307)

    def twice(request: HttpRequest) -> HttpResponse:
        first, second = get_server_session(request), get_server_session(request)
        return JsonResponse({"same": first is second, "signed_in": first is not None})

    def health(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    @auth_required(**required)
    def dashboard(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"hello": _name(get_server_session(request))})

    @auth_required
    async def async_dashboard(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return JsonResponse({"hello": _name(await aget_server_session(request))})

    async def async_me(request: HttpRequest) -> HttpResponse:
        # The sync face inside a running loop: it runs on the bridge loop, not this one.
        return JsonResponse(get_server_session(request), safe=False)

    def template(request: HttpRequest) -> HttpResponse:
        source = "{% if auth_session %}Welcome, {{ auth_session.user.name }}!{% else %}Anonymous{% endif %}"
        return HttpResponse(engines["django"].from_string(source).render(request=request))

    def form(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f'<input name="csrfToken" value="{get_csrf_token(request)}">')

    urlconf = URLConf(
        [
            path("api/auth/", include("authsession.integrations.django.urls")),
            path("me", me),
            path("page", page),
            path("go", go),
            path("twice", twice),
            path("health", health),
            path("dashboard", dashboard),
            path("async-dashboard", async_dashboard),
            path("cbv-dashboard", Dashboard.as_view()),
            path("async-cbv-dashboard", AsyncDashboard.as_view()),
            path("async-me", async_me),
            path("template", template),
            path("form", form),
        ]
    )
    return urlconf, options


class TestDjango(SessionSuite):
    framework = "django"

    def build_app(self, options: AuthOptions) -> Any:
        return build(options)

    def open_client(self, app: Any, base_url: str = SITE) -> AbstractContextManager[Any]:
        urlconf, options = app
        return django_suite_client(urlconf, options, base_url)


@pytest.fixture
def client(format: str, clean_auth_env: None) -> Iterator[DjangoSuiteClient]:
    with django_suite_client(*build(make_options(format=format)), SITE) as suite_client:
        yield suite_client


# --- guarding views -------------------------------------------------------------------------------------------

GUARDED = ["/dashboard", "/async-dashboard", "/cbv-dashboard"]


@pytest.mark.parametrize("path", GUARDED)
def test_guards_send_browsers_to_sign_in(client: DjangoSuiteClient, path: str) -> None:
    response = client.get(f"{path}?tab=1", headers=BROWSER)
    assert response.status_code == 307
    assert response.headers["location"] == f"/api/auth/signin?callbackUrl=%2F{path[1:]}%3Ftab%3D1"
    # The sign-in route remembers the page and shows the built-in form.
    signin = client.get(response.headers["location"])
    assert signin.status_code == 200
    assert "callback-url" in " ".join(cookie_names(signin))


@pytest.mark.parametrize("path", [*GUARDED, "/async-cbv-dashboard"])
def test_guards_answer_api_clients_401(client: DjangoSuiteClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json() == {"message": "Not authenticated"}


@pytest.mark.parametrize("path", [*GUARDED, "/async-cbv-dashboard"])
def test_guards_let_a_signed_in_user_through(client: DjangoSuiteClient, path: str) -> None:
    sign_in(client)
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200
    assert response.json() == {"hello": USER["name"]}


def test_guards_to_a_page_of_your_own(clean_auth_env: None) -> None:
    with django_suite_client(*build(make_options(), redirect_to="/login?next=1"), SITE) as client:
        assert client.get("/dashboard", headers=BROWSER).headers["location"] == "/login?next=1&callbackUrl=%2Fdashboard"
        mixin = client.get("/async-cbv-dashboard", headers=BROWSER)
        assert mixin.headers["location"] == "/login?callbackUrl=%2Fasync-cbv-dashboard"


def test_the_sync_face_inside_an_async_view(client: DjangoSuiteClient) -> None:
    assert client.get("/async-me").json() is None
    sign_in(client)
    assert client.get("/async-me").json()["user"]["email"] == USER["email"]


# --- cookies, templates, CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_the_middleware_writes_the_refreshed_cookie(format: str, clean_auth_env: None) -> None:
    clock = FakeClock(1_900_000_000.0)
    with django_suite_client(*build(make_options(format=format, clock=clock)), SITE) as client:
        sign_in(client)
        before = client.cookies[SESSION[format]]
        clock.advance(REFRESH_AGE)
        response = client.get("/template")  # only the template looks at the session
        assert cookie_names(response).count(SESSION[format]) == 1
        assert client.cookies[SESSION[format]] != before
        assert SESSION[format] not in cookie_names(client.get("/health"))


def test_the_session_in_templates(client: DjangoSuiteClient) -> None:
    assert client.get("/template").text == "Anonymous"
    sign_in(client)
    assert client.get("/template").text == f"Welcome, {USER['name']}!"


def test_a_request_that_never_looks_reads_nothing(clean_auth_env: None) -> None:
    calls: list[dict[str, Any]] = []

    def jwt(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return kwargs["token"]

    with django_suite_client(*build(make_options(callbacks={"jwt": jwt})), SITE) as client:
        sign_in(client)
        calls.clear()
        assert client.get("/health").text == "ok"
        assert calls == []
        client.get("/page")
        assert len(calls) == 1


def test_get_csrf_token_for_a_custom_form(client: DjangoSuiteClient) -> None:
    first = client.get("/form")
    token = first.text.split('value="')[1].split('"')[0]
    assert len(token) == 64
    assert client.get("/form").text == first.text
    signed_out = client.post("/api/auth/signout", data={"csrfToken": token})
    assert "MissingCSRF" not in signed_out.headers["location"]
    assert "csrf=true" not in signed_out.headers["location"]


def test_a_refused_request_has_no_session(client: DjangoSuiteClient) -> None:
    sign_in(client)
    headers = {f"x-h{i}": "1" for i in range(300)}
    assert client.get("/me", headers=headers).json() is None
    assert client.get("/api/auth/csrf", headers=headers).status_code == 431
    assert client.get("/api/auth/session", headers={"host": "evil.example"}).status_code == 400
    assert 'value=""' in client.get("/form", headers=headers).text


def test_a_cookie_survives_the_cache_middlewares_pickle(client: DjangoSuiteClient, format: str) -> None:
    response = HttpResponse()
    get_csrf_token(RequestFactory().get("/"), response)
    copy = pickle.loads(pickle.dumps(response))  # noqa: S301 (our own object, just made)
    assert [m.OutputString() for m in copy.cookies.values()] == [m.OutputString() for m in response.cookies.values()]


# --- settings -------------------------------------------------------------------------------------------------

OPTIONS = make_options(secret="dotted-path-secret-0123456789abcdef01234567")


def test_settings_name_the_options_by_dotted_path() -> None:
    with override_settings(AUTHSESSION=f"{__name__}.OPTIONS", **PROJECT):
        assert get_options() is OPTIONS
        assert check_settings() == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "must be an authsession.AuthOptions or the dotted path to one, not NoneType"),
        ("no_such_module.OPTIONS", "cannot be imported"),
        (f"{__name__}.BROWSER", "is a dict, not an AuthOptions"),
    ],
)
def test_bad_settings_fail_the_system_check(value: Any, message: str) -> None:
    with override_settings(AUTHSESSION=value, **PROJECT):
        (error,) = check_settings()
        assert error.id == "authsession.E001"
        assert message in error.msg
        assert error.level == checks.ERROR


def test_the_check_warns_without_the_middleware() -> None:
    with override_settings(AUTHSESSION=OPTIONS, MIDDLEWARE=[]):
        assert [message.id for message in check_settings()] == ["authsession.W001"]


# --- ASGI: the async middleware and handler ---------------------------------------------------------------------


async def test_under_the_asgi_handler(format: str, clean_auth_env: None) -> None:
    options = make_options(format=format, url=SITE)
    cookies = await _bridge.run_async(asession_cookies(options, {"email": USER["email"], "name": USER["name"]}))
    urlconf, _ = build(options)
    with override_settings(ROOT_URLCONF=urlconf, AUTHSESSION=options, **PROJECT):
        client = AsyncClient()
        for name, value in cookies.cookies.items():
            client.cookies[name] = value
        for path in ("/async-dashboard", "/async-cbv-dashboard", "/dashboard"):
            response = await client.get(path, headers=BROWSER)
            assert response.status_code == 200, path
            assert json.loads(response.content) == {"hello": USER["name"]}
        page = await client.get("/page")
        assert f"Hello {USER['name']}" in page.content.decode()
        providers = await client.get("/api/auth/providers")
        assert json.loads(providers.content)["credentials"]["id"] == "credentials"
        anonymous = AsyncClient()
        assert (await anonymous.get("/async-dashboard", headers={"Accept": "application/json"})).status_code == 401


# --- both session strategies ----------------------------------------------------------------------------------


def database_options(format: str, adapter: Any) -> AuthOptions:
    async def no_mail(**_: Any) -> None:
        return None

    return make_options(
        format=format,
        adapter=adapter,
        providers=[make_credentials(), Email(send_verification_request=no_mail)],
        session={"strategy": "database"},
        url=SITE,
    )


@pytest.fixture(params=["memory", "sqlite"])
def database_adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryAdapter()
        return
    adapter = SQLAlchemyAdapter(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
    _bridge.run(adapter.create_schema())
    yield adapter
    _bridge.run(adapter.close())


def test_database_sessions(format: str, database_adapter: Any, clean_auth_env: None) -> None:
    options = database_options(format, database_adapter)
    cookies = _bridge.run(asession_cookies(options, {"email": USER["email"], "name": USER["name"]}))
    with django_suite_client(*build(options), SITE) as client:
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


def test_jwt_sessions_with_credentials(client: DjangoSuiteClient, format: str) -> None:
    assert sign_in(client, password=PASSWORD).status_code == 302
    assert client.get("/me").json()["user"]["name"] == USER["name"]


# --- two-factor -------------------------------------------------------------------------------------------------


class SecondFactorSettings(AuthRequiredMixin, View):
    auth_second_factor = True

    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse({"email": get_server_session(request)["user"]["email"]})  # type: ignore[index]


def test_views_can_require_a_second_factor(clean_auth_env: None) -> None:
    options = make_options(url=SITE, adapter=MemoryAdapter(), session={"strategy": "jwt"}, two_factor=TwoFactor())

    @auth_required(second_factor=True)
    def secret(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"email": get_server_session(request)["user"]["email"], "2fa": has_second_factor(request)})  # type: ignore[index]

    urlconf = URLConf([path("secret", secret), path("cbv-secret", SecondFactorSettings.as_view())])
    ada = {"id": "u1", "email": USER["email"]}
    plain = session_cookies(options, ada)
    marked = session_cookies(options, ada, claims={"amr": ["otp"]})
    with django_suite_client(urlconf, options, SITE) as client:
        for path_ in ("/secret", "/cbv-secret"):
            assert client.get(path_).status_code == 401
        for name, value in plain.cookies.items():
            client.cookies.set(name, value)
        for path_ in ("/secret", "/cbv-secret"):
            assert client.get(path_).status_code == 403
            refused = client.get(path_, headers=BROWSER)
            assert refused.status_code == 307
            assert refused.headers["location"] == f"/api/auth/two-factor?callbackUrl=%2F{path_[1:]}"
        for name, value in marked.cookies.items():
            client.cookies.set(name, value)
        assert client.get("/secret").json() == {"email": USER["email"], "2fa": True}
        assert client.get("/cbv-secret").json() == {"email": USER["email"]}


def test_views_update_list_and_end_sessions(clean_auth_env: None) -> None:
    """Django's faces of update_server_session, list_user_sessions and end_sessions (database sessions)."""
    from authsession.integrations.django import end_sessions, list_user_sessions, update_server_session

    adapter = MemoryAdapter()
    options = renaming_options(adapter)

    def rename(request: HttpRequest) -> HttpResponse:
        updated = update_server_session(request, {"name": "Ada King"})
        return JsonResponse({"name": updated["user"]["name"] if updated else None})

    def sessions(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"sessions": list_user_sessions(request)})

    def elsewhere(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"ended": end_sessions(request, "others")})

    urlconf = URLConf([path("rename", rename), path("sessions", sessions), path("elsewhere", elsewhere)])
    _bridge.run(adapter.create_user({"id": "u1", "name": "Ada", "email": USER["email"], "emailVerified": None}))
    ada = {"id": "u1", "email": USER["email"]}
    laptop = _bridge.run(asession_cookies(options, ada))
    phone = _bridge.run(asession_cookies(options, ada))
    with django_suite_client(urlconf, options, SITE) as client:
        for name, value in laptop.cookies.items():
            client.cookies.set(name, value)
        assert client.get("/rename").json() == {"name": "Ada King"}
        assert len(client.get("/sessions").json()["sessions"]) == 2
        assert client.get("/elsewhere").json() == {"ended": 1}
        assert phone.value not in adapter.sessions
        assert len(client.get("/sessions").json()["sessions"]) == 1
