"""The Django app that holds the Auth.js tables (``INSTALLED_APPS``)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class AuthjsTablesConfig(AppConfig):
    name = "authsession.adapters.django"
    # "django" (the default, the package's last part) would clash with other apps' labels.
    label = "authsession_adapter"
    verbose_name = "authsession (Auth.js tables)"

    def ready(self) -> None:
        checks.register(check_use_tz, checks.Tags.database)


def check_use_tz(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The adapter hands out timezone-aware UTC datetimes, which Django gives only with USE_TZ."""
    if settings.USE_TZ:
        return []
    return [
        checks.Error(
            "authsession.adapters.django needs USE_TZ = True",
            hint="Sessions and email tokens expire at instants; without time zone support Django "
            "stores and returns naive local times.",
            id="authsession_adapter.E001",
        )
    ]
