"""The curated public API: what ``import authsession`` promises."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import authsession

PUBLIC_MODULES = [
    "authsession",
    "authsession.config",
    "authsession.errors",
    "authsession.jwt",
    "authsession.providers",
    "authsession.testing",
    "authsession.theme",
]


def test_all_is_sorted_and_unique() -> None:
    assert authsession.__all__ == sorted(authsession.__all__)
    assert len(set(authsession.__all__)) == len(authsession.__all__)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_exported_name_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


def test_the_essentials_are_exported() -> None:
    for name in (
        "AuthOptions",
        "AuthError",
        "ConfigurationError",
        "CredentialsSignin",
        "Session",
        "get_server_session",
    ):
        assert name in authsession.__all__
    assert inspect.iscoroutinefunction(authsession.get_server_session)


def test_jwt_module() -> None:
    from authsession import jwt

    for name in ("encode", "decode", "get_token"):
        assert callable(getattr(jwt, name)), name
    token = jwt.encode(token={"sub": "1"}, secret="s3cret", now=1_700_000_000)
    assert jwt.decode(token=token, secret="s3cret", now=1_700_000_000)["sub"] == "1"  # type: ignore[index]


def test_credentials_provider() -> None:
    from authsession.providers import Credentials

    provider = Credentials(authorize=lambda credentials: None)
    assert (provider.id, provider.name, provider.type) == ("credentials", "Credentials", "credentials")


def test_error_tree() -> None:
    from authsession import errors

    for name in errors.__all__:
        value = getattr(errors, name)
        if inspect.isclass(value):
            assert issubclass(value, errors.AuthError), name
    assert issubclass(authsession.CredentialsSignin, errors.SignInError)
    assert authsession.CredentialsSignin.kind == "signin"
    assert authsession.ConfigurationError().client_type == "Configuration"


def test_package_is_typed() -> None:
    assert (Path(authsession.__file__).parent / "py.typed").is_file()


def test_version() -> None:
    assert isinstance(authsession.__version__, str)
    assert authsession.__version__.count(".") >= 2
