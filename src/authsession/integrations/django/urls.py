"""The auth API's URLs: ``path("api/auth/", include("authsession.integrations.django.urls"))``.

Include it at the options' ``base_path`` (``/api/auth`` unless you changed it): the core parses
the action from the full path, so another prefix answers 400.
"""

from __future__ import annotations

from django.urls import path

from authsession.integrations.django import auth_view

app_name = "authsession"
urlpatterns = [path("<path:action>", auth_view, name="api")]
