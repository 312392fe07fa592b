"""The seed's pages: ``/profile`` reads the session before rendering, as ``getServerSideProps`` did."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from authsession.integrations.django import aget_server_session, auth_required, get_csrf_token, get_options


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "index.html")


def profile(request: HttpRequest) -> HttpResponse:
    # The seed's getServerSideProps: ask for the session on the server, before rendering.
    csrf_token = get_csrf_token(request) if request.auth_session else ""  # type: ignore[attr-defined]
    return render(request, "profile.html", {"csrf_token": csrf_token})


@auth_required(redirect_to="/login")
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard.html")


async def me(request: HttpRequest) -> JsonResponse:
    # An async view: it awaits the session without blocking the event loop (under ASGI).
    session = await aget_server_session(request)
    return JsonResponse({"userEmail": session["user"].get("email") if session else None})


def login(request: HttpRequest) -> HttpResponse:
    providers = get_options().providers
    oauth = [p for p in providers if p.type in ("oauth", "oidc")]
    context = {
        "csrf_token": get_csrf_token(request),
        "callback_url": request.GET.get("callbackUrl", "/profile"),
        "error": request.GET.get("error"),
        "email_links": any(p.type == "email" for p in providers),
        "providers": [{"id": p.id, "name": p.name} for p in oauth],
    }
    return render(request, "login.html", context)
