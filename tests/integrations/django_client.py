"""Django's own test client, seen through the few ``TestClient`` methods the shared suite calls.

Requests go through :class:`django.test.Client` (Django's WSGI request handler, the project's
middleware and URLconf); this file only renames (``suite_client``). Django keeps a response's
cookies in ``response.cookies``, not in its headers: they are read back as ``Set-Cookie`` lines.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.test import Client, override_settings

from authsession import AuthOptions

from .suite_client import Jar, Response, latin1

#: What the tests need of the project's settings, set per test: Django's settings are configured
#: once per process (``helpers.configure_django``), and other tests may have made them.
PROJECT = {
    "MIDDLEWARE": ["authsession.integrations.django.AuthSessionMiddleware"],
    "TEMPLATES": [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"context_processors": ["authsession.integrations.django.context_processor"]},
        }
    ],
}


class URLConf:
    """A ``ROOT_URLCONF`` built in a test: Django takes any object with ``urlpatterns``."""

    def __init__(self, urlpatterns: list[Any]) -> None:
        self.urlpatterns = urlpatterns


class DjangoSuiteClient:
    """A :class:`django.test.Client` with a site URL and a cookie jar; never follows redirects.
    ``headers`` go with every request, as a ``TestClient``'s do (a browser's ``User-Agent``)."""

    def __init__(self, base_url: str) -> None:
        self.client = Client()
        site = urlsplit(base_url)
        self.https = site.scheme == "https"
        self.host = site.netloc
        self.cookies = Jar()
        self.headers: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str | bytes, str | bytes] | None = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        json: Any = None,
        follow_redirects: bool = False,
    ) -> Response:
        assert not follow_redirects, "the suite reads every redirect itself"
        sent = {name.lower(): value for name, value in self.headers.items()}
        sent.update({latin1(name).lower(): latin1(value) for name, value in (headers or {}).items()})
        sent.setdefault("host", self.host)
        # Always a Cookie header, even empty: Django's client would otherwise send its own jar.
        sent.setdefault("cookie", self.cookies.header(https=self.https))
        body, content_type = b"", sent.pop("content-type", "")
        if json is not None:
            body, content_type = jsonlib.dumps(json).encode(), "application/json"
        elif data is not None:
            body, content_type = urlencode(data).encode(), content_type or "application/x-www-form-urlencoded"
        elif content is not None:
            body = content
        response = self.client.generic(method, path, body, content_type, secure=self.https, headers=sent)
        set_cookies = [morsel.OutputString() for morsel in response.cookies.values()]
        self.cookies.update(set_cookies)
        headers_out = [*response.items(), *(("Set-Cookie", line) for line in set_cookies)]
        return Response(response.status_code, headers_out, response.content)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)


@contextmanager
def django_suite_client(urlconf: URLConf, options: AuthOptions, base_url: str) -> Iterator[DjangoSuiteClient]:
    """The client, with ``urlconf`` as the project's URLs and ``options`` as ``settings.AUTHSESSION``."""
    with override_settings(ROOT_URLCONF=urlconf, AUTHSESSION=options, **PROJECT):
        yield DjangoSuiteClient(base_url)
