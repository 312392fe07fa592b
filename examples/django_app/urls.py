"""The auth API under ``/api/auth/`` and the seed's pages."""

from __future__ import annotations

from django.urls import include, path
from examples.django_app import views

urlpatterns = [
    path("api/auth/", include("authsession.integrations.django.urls")),
    path("", views.index),
    path("profile", views.profile),
    path("dashboard", views.dashboard),
    path("api/me", views.me),
    path("login", views.login),
]
