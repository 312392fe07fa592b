"""``AuthOptions``: defaults, environment, validation and secret handling."""

from __future__ import annotations

import logging
from typing import Any

import httpx2
import pytest

from authsession import AuthOptions, JWTOptions, Pages, SessionOptions, jwt
from authsession._core.handler import handle
from authsession.errors import AuthError, ConfigurationError, MissingSecret, UnsupportedStrategy
from helpers import (
    NOW,
    REFRESH_AGE,
    SECRET,
    CoreClient,
    FakeClock,
    json_body,
    make_credentials,
    make_options,
    make_request,
    response_cookies,
)

pytestmark = pytest.mark.usefixtures("clean_auth_env")

SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}


def token(format: str, secret: str) -> str:
    salt = "" if format == "v4" else SESSION[format]
    claims = {"name": "Ada", "sub": "1"}
    return jwt.encode(token=claims, secret=secret, salt=salt, format=format, now=NOW)  # type: ignore[arg-type]


# --- secrets -------------------------------------------------------------------------------------------------


def test_missing_secret(format: str) -> None:
    with pytest.raises(MissingSecret, match="AUTH_SECRET"):
        AuthOptions(format=format)  # type: ignore[arg-type]
    assert issubclass(MissingSecret, ConfigurationError)
    assert issubclass(MissingSecret, AuthError)


@pytest.mark.parametrize("secret", ["", [], [""], ["ok", ""], [None]])
def test_empty_secrets_are_refused(secret: Any) -> None:
    with pytest.raises(MissingSecret):
        AuthOptions(secret=secret)


@pytest.mark.parametrize("variable", ["AUTH_SECRET", "NEXTAUTH_SECRET"])
def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch, format: str, variable: str) -> None:
    monkeypatch.setenv(variable, "from-env")
    assert AuthOptions(format=format).secrets == ("from-env",)  # type: ignore[arg-type]


def test_environment_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_SECRET", "auth")
    monkeypatch.setenv("NEXTAUTH_SECRET", "nextauth")
    assert AuthOptions(format="v4").secrets == ("nextauth",)
    assert AuthOptions(format="v5").secrets == ("auth",)


def test_numbered_secrets_come_first_highest_number_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # As @auth/core's setEnvDefaults: it unshifts AUTH_SECRET_1, _2, _3 in turn.
    monkeypatch.setenv("AUTH_SECRET", "main")
    monkeypatch.setenv("AUTH_SECRET_1", "one")
    monkeypatch.setenv("AUTH_SECRET_2", "two")
    monkeypatch.setenv("AUTH_SECRET_3", "three")
    assert AuthOptions().secrets == ("three", "two", "one", "main")


def test_explicit_secret_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_SECRET", "from-env")
    assert AuthOptions(secret="given").secrets == ("given",)


async def test_secret_rotation(format: str) -> None:
    """The first secret encrypts, every secret decrypts."""
    options = make_options(format=format, secret=["new secret", "old secret"])
    old = token(format, "old secret")
    later = NOW + REFRESH_AGE  # old enough to be re-encrypted
    response = await handle(make_request("GET", "session", cookies={SESSION[format]: old}), options, now=later)
    assert json_body(response)["user"]["name"] == "Ada"
    refreshed = response_cookies(response)[SESSION[format]].value
    salt = "" if format == "v4" else SESSION[format]
    assert jwt.decode(token=refreshed, secret="new secret", salt=salt, format=format, now=later) is not None  # type: ignore[arg-type]
    assert jwt.decode(token=refreshed, secret="old secret", salt=salt, format=format, now=later) is None  # type: ignore[arg-type]


async def test_token_of_a_removed_secret_is_refused(format: str) -> None:
    options = make_options(format=format, secret=["new secret"])
    old = token(format, "old secret")
    response = await handle(make_request("GET", "session", cookies={SESSION[format]: old}), options, now=NOW)
    assert json_body(response) == ({} if format == "v4" else None)


@pytest.mark.parametrize("secret", ["s3cret-value-123", ["first-secret-abc", "second-secret-xyz"]])
def test_repr_never_shows_the_secret(secret: Any) -> None:
    options = make_options(secret=secret)
    text = repr(options) + str(options)
    for value in [secret] if isinstance(secret, str) else secret:
        assert value not in text
    assert "masked" in text


# --- unknown and bad options ------------------------------------------------------------------------------------


def test_unknown_keyword() -> None:
    with pytest.raises(TypeError):
        AuthOptions(secret=SECRET, sesion={})  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("session", {"maxAge": 10}, "Unknown session option"),
        ("jwt", {"secret": "x"}, "Unknown jwt option"),
        ("pages", {"signIn": "/login"}, "Unknown pages option"),
        ("theme", {"color_scheme": "pink", "nope": 1}, "Unknown theme option"),
        ("callbacks", {"signin": lambda: True}, "Unknown callbacks"),
        ("events", {"signout": lambda: None}, "Unknown events"),
        ("callbacks", {"jwt": "not callable"}, "must be a function"),
        ("cookies", {"session": {}}, "Unknown cookie"),
        ("cookies", {"session_token": {"options": {"httpOnly": True}}}, "Unknown option"),
        ("cookies", {"csrf_token": {"options": {"same_site": "sometimes"}}}, "same_site"),
        ("session", "jwt", "must be a dict"),
    ],
)
def test_unknown_nested_options(option: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_options(**{option: value})


@pytest.mark.parametrize("strategy", ["JWT", "cookie", "", None])
def test_bad_strategy(strategy: Any) -> None:
    with pytest.raises(ConfigurationError, match="strategy"):
        make_options(session={"strategy": strategy})


@pytest.mark.parametrize("max_age", [0, -1, "3600", 1.5])
def test_bad_max_age(max_age: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_age"):
        make_options(session={"max_age": max_age})


def test_an_httpx2_transport_is_taken() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(204))
    assert make_options(http_transport=transport).http_transport is transport


def test_a_transport_written_for_httpx_is_refused_with_the_way_out() -> None:
    # The class httpx.MockTransport would be: httpx itself is no longer installed with authsession.
    stale = type("MockTransport", (), {"__module__": "httpx._transports.mock", "handle_async_request": print})
    with pytest.raises(ConfigurationError, match=r"httpx transport.*httpx2\.MockTransport"):
        make_options(http_transport=stale())


@pytest.mark.parametrize("transport", ["http://proxy:3128", object()])
def test_something_that_is_no_transport_is_refused(transport: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"httpx2\.AsyncBaseTransport"):
        make_options(http_transport=transport)


def test_database_needs_an_adapter() -> None:
    with pytest.raises(ConfigurationError, match="adapter"):
        make_options(session={"strategy": "database"})


def test_database_with_only_credentials_is_unsupported() -> None:
    with pytest.raises(UnsupportedStrategy):
        make_options(session={"strategy": "database"}, adapter=object())


def test_an_adapter_defaults_to_database_and_jwt_can_be_forced() -> None:
    with pytest.raises(UnsupportedStrategy):
        make_options(adapter=object())  # database by default, and credentials need jwt
    assert make_options(adapter=object(), session={"strategy": "jwt"}).session.strategy == "jwt"


def test_duplicate_provider_ids() -> None:
    with pytest.raises(ConfigurationError, match="share the id 'credentials'"):
        make_options(providers=[make_credentials(), make_credentials()])


def test_not_a_provider() -> None:
    with pytest.raises(ConfigurationError, match="not a provider"):
        make_options(providers=[{"id": "github"}])


@pytest.mark.parametrize("page", ["login", "javascript:alert(1)", "ftp://x/y", 5, ""])
def test_bad_pages(page: Any) -> None:
    with pytest.raises(ConfigurationError, match="pages"):
        make_options(pages={"sign_in": page})


@pytest.mark.parametrize("format", ["v6", "V4", "", None])
def test_bad_format(format: Any) -> None:
    with pytest.raises(ConfigurationError, match="format"):
        make_options(format=format)


@pytest.mark.parametrize(("url", "message"), [("ftp://example.com", "url"), ("https://", "url")])
def test_bad_url(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_options(url=url)


def test_bad_base_path() -> None:
    with pytest.raises(ConfigurationError, match="base_path"):
        make_options(base_path="api/auth")


# --- defaults and environment ---------------------------------------------------------------------------------


def test_defaults() -> None:
    options = make_options()
    assert options.format == "v5"
    assert options.base_path == "/api/auth"
    assert options.session == SessionOptions(strategy="jwt", max_age=30 * 24 * 3600, update_age=24 * 3600)
    assert options.jwt == JWTOptions()
    assert options.pages == Pages()
    assert options.url is None
    assert options.origin is None
    assert options.trust_host is False
    assert options.use_secure_cookies is None
    assert isinstance(options.logger, logging.Logger)


def test_nested_options_as_dataclasses() -> None:
    options = make_options(session=SessionOptions(max_age=60), jwt=JWTOptions(max_age=30), pages=Pages(error="/e"))
    assert options.session.max_age == 60
    assert options.jwt_max_age == 30
    assert options.pages.error == "/e"


@pytest.mark.parametrize(
    ("url", "origin", "base_path"),
    [
        ("https://example.com", "https://example.com", "/api/auth"),
        ("https://example.com/", "https://example.com", "/api/auth"),
        ("example.com", "https://example.com", "/api/auth"),
        ("http://localhost:8000/auth/", "http://localhost:8000", "/auth"),
    ],
)
def test_url(url: str, origin: str, base_path: str) -> None:
    options = make_options(url=url)
    assert (options.origin, options.base_path) == (origin, base_path)


@pytest.mark.parametrize("variable", ["AUTH_URL", "NEXTAUTH_URL"])
def test_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "https://env.example.com/custom")
    options = make_options()
    assert (options.origin, options.base_path) == ("https://env.example.com", "/custom")


@pytest.mark.parametrize(("value", "trusted"), [("true", True), ("1", True), ("TRUE", True), ("false", False)])
def test_trust_host_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, trusted: bool) -> None:
    monkeypatch.setenv("AUTH_TRUST_HOST", value)
    assert make_options().trust_host is trusted
    assert make_options(trust_host=False).trust_host is False


def test_jwt_max_age_defaults(format: str) -> None:
    assert make_options(format=format).jwt_max_age == 30 * 24 * 3600
    short = make_options(format=format, session={"max_age": 3600})
    assert short.jwt_max_age == (30 * 24 * 3600 if format == "v4" else 3600)
    assert make_options(format=format, session={"max_age": 3600}, jwt={"max_age": 60}).jwt_max_age == 60


async def test_clock_is_used_when_no_time_is_passed(format: str) -> None:
    clock = FakeClock(NOW + 1000)
    # Every read re-encrypts, so the expiry follows the clock.
    options = make_options(format=format, clock=clock, session={"refresh_threshold": None})
    response = await handle(make_request("GET", "session", cookies={SESSION[format]: token(format, SECRET)}), options)
    assert json_body(response)["expires"] == "2023-12-14T22:30:00.000Z"
    clock.advance(60)
    response = await handle(make_request("GET", "session", cookies={SESSION[format]: token(format, SECRET)}), options)
    assert json_body(response)["expires"] == "2023-12-14T22:31:00.000Z"


async def test_a_callback_may_require_arguments_that_are_absent_on_some_calls(format: str) -> None:
    seen: list[object] = []

    def jwt(token: dict[str, object], user: object) -> dict[str, object]:
        seen.append(user)
        return token

    client = CoreClient(make_options(format=format, callbacks={"jwt": jwt}))
    await client.sign_in()
    response = await client.request("GET", "session")
    assert json_body(response)["user"]["email"]
    assert seen[0] is not None  # at sign-in: the user
    assert seen[-1] is None  # on a read there is no user, as NextAuth passes undefined


def test_a_callback_requiring_an_argument_never_passed_is_refused() -> None:
    def session(session: object, tokne: object) -> object:
        return session

    with pytest.raises(ConfigurationError, match="tokne"):
        make_options(callbacks={"session": session})


def test_a_provider_type_the_core_cannot_sign_in_with() -> None:
    saml = make_credentials(id="saml")
    object.__setattr__(saml, "type", "saml")
    with pytest.raises(ConfigurationError, match="'saml' has type 'saml'"):
        make_options(providers=[saml])
