"""The typed configuration: mypy catches a misspelt option, and the types say what the runtime accepts.

``AuthOptions``' dict arguments are ``TypedDict``s (:mod:`authsession.config`) and the presets
take ``**overrides: Unpack[OAuthOverrides]``. One mypy run (the project's strict config) checks
a configuration that uses every key, which must pass, and one small file per mistake, which must
give exactly the expected error. The well-typed file is then run, so a type that allows what
``AuthOptions`` refuses fails here too.
"""

from __future__ import annotations

import inspect
import logging
import re
import runpy
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path
from typing import get_args, get_type_hints

import pytest
from mypy import api as mypy_api

from authsession import (
    Callbacks,
    CookieAttributes,
    CookiesConfig,
    Events,
    JWTConfig,
    JWTOptions,
    Pages,
    PagesConfig,
    SessionConfig,
    SessionOptions,
    Theme,
    ThemeConfig,
)
from authsession._core.cookies import COOKIE_KEYS as _COOKIE_KEYS
from authsession.options import _CALLBACKS, _COOKIE_OPTIONS, _EVENTS, _SAME_SITE
from authsession.providers import Endpoint, EndpointConfig, OAuth, OAuthOptions, OAuthOverrides

ROOT = Path(__file__).resolve().parent.parent

WELL_TYPED = """
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx2

from authsession import AuthOptions, Callbacks, CookiesConfig, Events, Session, SessionConfig, User
from authsession import jwt as authjwt
from authsession.adapters import Adapter, MemoryAdapter
from authsession.jwt import JWT
from authsession.providers import OIDC, GitHub, Google, Keycloak, X

if TYPE_CHECKING:
    from authsession.adapters.redis import RedisAdapter
    from authsession.adapters.sqlalchemy import SQLAlchemyAdapter


def sign_in(user: User, account: Any) -> bool:
    return bool(user.get("email"))


async def redirect(url: str, base_url: str) -> str:
    return url if url.startswith(base_url) else base_url


def jwt(token: JWT, user: User | None) -> JWT:
    if user is not None:
        token["sub"] = user["id"]
    return token


async def session(session: Session, token: JWT) -> dict[str, Any]:
    return {**session, "user_id": token.get("sub")}


async def on_sign_in(user: User, is_new_user: bool) -> None:
    print(user, is_new_user)


def on_sign_out(**kwargs: Any) -> None:
    print(kwargs)


def answer(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(404)


def shipped_adapters(sql: SQLAlchemyAdapter, redis: RedisAdapter) -> list[Adapter]:
    return [sql, redis, MemoryAdapter()]


callbacks: Callbacks = {"sign_in": sign_in, "redirect": redirect, "jwt": jwt, "session": session}
events: Events = {
    "sign_in": on_sign_in,
    "sign_out": on_sign_out,
    "create_user": lambda user: None,
    "update_user": on_sign_out,
    "link_account": on_sign_out,
    "session": on_sign_out,
}
session_options: SessionConfig = {"strategy": "database", "max_age": 3600, "update_age": 600}
cookies: CookiesConfig = {
    "session_token": {
        "name": "app.session",
        "options": {"path": "/", "http_only": True, "same_site": "strict", "secure": True, "domain": None},
    },
    "csrf_token": {"options": {"max_age": None}},
    "callback_url": {"name": "app.callback-url"},
}

options = AuthOptions(
    secret="a test secret that is long enough to pass",
    url="https://app.example",
    providers=[
        GitHub(client_id="id", client_secret="secret", scope="read:user", id="github-work", name="GitHub (work)"),
        Google(
            client_id="id",
            client_secret="secret",
            authorization={"params": {"prompt": "consent"}},
            checks=("pkce", "state", "nonce"),
            allow_dangerous_email_account_linking=True,
        ),
        Keycloak(client_id="id", issuer="https://kc.example/realms/acme", client_auth_method="none"),
        X(client_id="id", client_secret="secret", style={"bg": "#000", "text": "#fff"}),
        OIDC(id="op", issuer="https://op.example", client_id="id", client_secret="s", jwks_uri="https://op.example/jwks"),
    ],
    session=session_options,
    jwt={"max_age": 600, "encode": authjwt.encode, "decode": authjwt.decode},
    callbacks=callbacks,
    events=events,
    pages={"sign_in": "/login", "error": None, "new_user": "https://app.example/welcome"},
    theme={"color_scheme": "dark", "brand_color": "#2f5bd3", "logo": "/logo.svg", "button_text": "white"},
    cookies=cookies,
    adapter=MemoryAdapter(),
    http_transport=httpx2.MockTransport(answer),
)
jwt_only = AuthOptions(
    secret="a test secret that is long enough to pass",
    session={"strategy": "jwt", "refresh_threshold": 0.1},
    callbacks={"sign_in": lambda **kwargs: "/welcome", "redirect": lambda url: url},
)
"""

#: One mistake per file: (file stem, the source, the error code, fragments of the message).
#: The line with the mistake ends in ``# error``. A dict written straight into ``AuthOptions(...)``
#: is reported as a wrong argument (mypy does not pick a TypedDict out of ``X | None`` for a dict
#: that does not fit it); the same dict annotated with its TypedDict gets the key named.
MISTAKES: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "session_key",
        'AuthOptions(secret=SECRET, session={"strategy": "jwt", "max_Age": 60})  # error',
        "arg-type",
        ('Argument "session"', "SessionConfig"),
    ),
    (
        "session_key_annotated",
        'session: SessionConfig = {"strategy": "jwt", "max_Age": 60}  # error',
        "typeddict-unknown-key",
        ('"max_Age"', '"SessionConfig"'),
    ),
    (
        "session_strategy",
        'session: SessionConfig = {"strategy": "databse"}  # error',
        "typeddict-item",
        ("'databse'", '"strategy"'),
    ),
    (
        "callbacks_key",
        'AuthOptions(secret=SECRET, callbacks={"signin": allow})  # error',
        "arg-type",
        ('Argument "callbacks"', "Callbacks"),
    ),
    (
        "callbacks_key_annotated",
        'callbacks: Callbacks = {"signin": allow}  # error',
        "typeddict-unknown-key",
        ('"signin"', '"Callbacks"'),
    ),
    (
        "preset_override",
        'GitHub(client_id="id", client_secret="secret", scpoe="read:user")  # error',
        "call-arg",
        ('"scpoe"', '"GitHub"'),
    ),
    (
        "endpoint_key",
        'GitHub(client_id="id", client_secret="secret", authorization={"param": {"prompt": "consent"}})  # error',
        "arg-type",
        ('Argument "authorization"', "EndpointConfig"),
    ),
    (
        "callback_return",
        'AuthOptions(secret=SECRET, callbacks={"session": wrong_session})  # error',
        "arg-type",
        ('Argument "callbacks"', "JWT], str]"),
    ),
    (
        "callback_return_annotated",
        'callbacks: Callbacks = {"session": wrong_session}  # error',
        "typeddict-item",
        ('item "session"', "Session | dict[str, Any]"),
    ),
    (
        "event_return",
        'events: Events = {"sign_in": allow}  # error',
        "typeddict-item",
        ('item "sign_in"', "Awaitable[None] | None"),
    ),
    (
        "adapter",
        "AuthOptions(secret=SECRET, adapter=MemoryAdapter)  # error",
        "arg-type",
        ('Argument "adapter"', '"Adapter | None"'),
    ),
    (
        "http_transport",
        "AuthOptions(secret=SECRET, http_transport=httpx2.HTTPTransport())  # error",
        "arg-type",
        ('Argument "http_transport"', "AsyncBaseTransport"),
    ),
]

PRELUDE = """
import httpx2

from authsession import AuthOptions, Callbacks, Events, Session, SessionConfig, User
from authsession.adapters import MemoryAdapter
from authsession.jwt import JWT
from authsession.providers import GitHub

SECRET = "a test secret that is long enough to pass"


def allow(user: User) -> bool:
    return True


def wrong_session(session: Session, token: JWT) -> str:
    return "not a session"


"""

_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*?)\s+\[(?P<code>[a-z-]+)\]$")


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str, str]]]:
    """Every error of one mypy run over the snippets, by file stem: (line, code, message)."""
    folder = tmp_path_factory.mktemp("typed_config")
    files = [write(folder / "snippet_well_typed.py", WELL_TYPED)]
    files += [write(folder / f"snippet_{stem}.py", PRELUDE + source + "\n") for stem, source, _, _ in MISTAKES]
    stdout, stderr, _ = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            # The project's cache: authsession itself is then read from it, not checked again.
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--no-error-summary",
            "--no-pretty",
            "--show-error-codes",
            *map(str, files),
        ]
    )
    assert stderr == ""
    errors: dict[str, list[tuple[int, str, str]]] = {path.stem.removeprefix("snippet_"): [] for path in files}
    for line in stdout.splitlines():
        match = _ERROR.match(line)
        if match is None:
            assert ": note: " in line, f"unexpected mypy output: {line}"
            continue
        stem = Path(match["path"]).stem.removeprefix("snippet_")
        errors[stem].append((int(match["line"]), match["code"], match["message"]))
    return errors


def test_a_well_typed_configuration_passes_mypy(mypy_errors: dict[str, list[tuple[int, str, str]]]) -> None:
    assert mypy_errors["well_typed"] == []


@pytest.mark.parametrize(("stem", "source", "code", "fragments"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mypy_catches_the_mistake(
    mypy_errors: dict[str, list[tuple[int, str, str]]], stem: str, source: str, code: str, fragments: tuple[str, ...]
) -> None:
    lines = (PRELUDE + source).lstrip().splitlines()
    expected_line = next(number for number, text in enumerate(lines, 1) if text.endswith("# error"))
    [(line, found_code, message)] = mypy_errors[stem]
    assert (line, found_code) == (expected_line, code), message
    for fragment in fragments:
        assert fragment in message


def test_the_well_typed_configuration_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """What the types allow, ``AuthOptions`` accepts: the checked snippet builds its options."""
    caplog.set_level(logging.WARNING, logger="authsession")
    namespace = runpy.run_path(str(write(tmp_path / "snippet_well_typed.py", WELL_TYPED)))
    options = namespace["options"]
    assert set(options.callbacks) == set(_CALLBACKS)
    assert set(options.events) == set(_EVENTS)
    assert (options.session.strategy, options.theme.color_scheme, options.pages.sign_in) == (
        "database",
        "dark",
        "/login",
    )
    assert options.cookie_set(True).session_token.name == "app.session"
    assert options.cookie_set(True).session_token.same_site == "strict"
    assert [p.id for p in options.providers] == ["github-work", "google", "keycloak", "twitter", "op"]
    assert options.providers[3].name == "X"
    assert namespace["jwt_only"].session.refresh_threshold == 0.1


def test_the_typed_dicts_name_what_the_runtime_checks() -> None:
    assert set(SessionConfig.__optional_keys__) == {f.name for f in fields(SessionOptions)}
    assert set(JWTConfig.__optional_keys__) == {f.name for f in fields(JWTOptions)}
    assert set(PagesConfig.__optional_keys__) == {f.name for f in fields(Pages)}
    assert set(ThemeConfig.__optional_keys__) == {f.name for f in fields(Theme)}
    assert set(Callbacks.__optional_keys__) == set(_CALLBACKS)
    assert set(Events.__optional_keys__) == set(_EVENTS)
    assert set(CookiesConfig.__optional_keys__) == set(_COOKIE_KEYS)
    assert set(CookieAttributes.__optional_keys__) == _COOKIE_OPTIONS


def test_the_literals_are_the_runtime_choices() -> None:
    assert set(get_args(get_type_hints(SessionConfig)["strategy"])) == {"jwt", "database"}
    assert set(get_args(get_type_hints(ThemeConfig)["color_scheme"])) == {"auto", "dark", "light"}
    assert set(get_args(get_type_hints(CookieAttributes)["same_site"])) == set(_SAME_SITE)


def test_preset_overrides_are_oauth_arguments() -> None:
    parameters = inspect.signature(OAuth).parameters
    # What a preset or OIDC() fixes itself is not an override: the credentials, the type, the issuer.
    fixed = {"client_id", "client_secret", "type", "issuer"}
    assert set(OAuthOverrides.__optional_keys__) == set(parameters) - fixed
    assert set(OAuthOptions.__optional_keys__) == set(parameters) - fixed - {"id", "name"}
    assert set(EndpointConfig.__optional_keys__) == {f.name for f in fields(Endpoint)}


def test_the_types_import_without_the_optional_backends() -> None:
    """``Adapter`` and the config types are there for users who installed no extra."""
    script = (
        "import sys\n"
        "import authsession, authsession.config, authsession.adapters\n"
        "from authsession.adapters import Adapter\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'redis', 'aiosqlite', 'asyncpg'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
