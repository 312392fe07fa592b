"""Django settings for the example: the authsession app, its middleware and context.

With ``AUTH_SESSION_STRATEGY=database`` the default database is the demo's SQLite file
(``DEMO_DB``) and ``authsession.adapters.django`` holds its Auth.js tables (``migrate`` makes
them, or adopts the ones the demo made); otherwise there is no database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from examples.session_env import SHARED_TEMPLATES, database_path, session_from_env

# Django's own signing key (unused by authsession, which has AUTH_SECRET); random unless given.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
USE_TZ = True
DATABASES: dict[str, dict[str, str]] = {}
ROOT_URLCONF = "examples.django_app.urls"
WSGI_APPLICATION = "examples.django_app.wsgi.application"

INSTALLED_APPS = ["authsession.integrations.django"]
if session_from_env("jwt")[1] == "database":
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": database_path()}
    INSTALLED_APPS.append("authsession.adapters.django")
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "authsession.integrations.django.AuthSessionMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates", SHARED_TEMPLATES],
        "OPTIONS": {"context_processors": ["authsession.integrations.django.context_processor"]},
    }
]

AUTHSESSION = "examples.django_app.auth.auth_options"
