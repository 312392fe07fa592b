"""The Django app: checks ``settings.AUTHSESSION`` and the middleware when the project starts."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MIDDLEWARE = "authsession.integrations.django.AuthSessionMiddleware"


class AuthSessionConfig(AppConfig):
    name = "authsession.integrations.django"
    label = "authsession"
    verbose_name = "authsession"

    def ready(self) -> None:
        checks.register(check_settings)


def check_settings(**_: Any) -> list[checks.CheckMessage]:
    """``manage.py check``: the options resolve, and the middleware that writes cookies is there."""
    from authsession.integrations.django import get_options

    found: list[checks.CheckMessage] = []
    try:
        get_options()
    except ImproperlyConfigured as exc:
        found.append(checks.Error(str(exc), id="authsession.E001"))
    if MIDDLEWARE not in settings.MIDDLEWARE:
        found.append(
            checks.Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE: request.auth_session is missing, and the session cookies "
                "get_server_session refreshes reach the browser only when you pass the response",
                id="authsession.W001",
            )
        )
    return found
