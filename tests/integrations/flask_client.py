"""Flask's own test client, seen through the few ``TestClient`` methods the shared suite calls.

The suite was written against Starlette's (httpx-style) ``TestClient``: ``get``/``post``/``put``
with ``headers``, ``data``, ``content`` or ``json``; ``response.json()``; ``headers.get_list``;
and a ``cookies`` jar with ``[name]``, ``in`` and ``set``. Requests go through werkzeug's
``FlaskClient``; this file only renames. The jar is kept here, not in werkzeug's client, so the
suite's raw cookie values (quotes, ``%`` escapes, 5,000 bytes) reach the app byte for byte, as
an httpx jar sends them, instead of being re-quoted by ``werkzeug.http.dump_cookie``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse


class Jar:
    """Cookies by name, for one site: what a browser keeps from ``Set-Cookie`` and sends back."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.secure: set[str] = set()

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def header(self, https: bool) -> str:
        # As a browser does: a ``Secure`` cookie goes back over https only.
        return "; ".join(f"{k}={v}" for k, v in self.values.items() if https or k not in self.secure)

    def update(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.partition("=")
            params = {}
            for attribute in attributes.split(";"):
                key, _, param = attribute.partition("=")
                params[key.strip().lower()] = param.strip()
            expires = params.get("expires")
            if params.get("max-age") == "0" or (expires and parsedate_to_datetime(expires).timestamp() <= time.time()):
                self.values.pop(name.strip(), None)
            else:
                self.values[name.strip()] = value.strip()
                (self.secure.add if "secure" in params else self.secure.discard)(name.strip())


class Headers:
    def __init__(self, response: TestResponse) -> None:
        self._headers = response.headers

    def __getitem__(self, name: str) -> str:
        return self._headers[name]

    def __contains__(self, name: str) -> bool:
        return name in self._headers

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name, default)

    def get_list(self, name: str) -> list[str]:
        return self._headers.getlist(name)


class Response:
    def __init__(self, response: TestResponse) -> None:
        self.status_code = response.status_code
        self.headers = Headers(response)
        self.content = response.get_data()
        self.text = response.get_data(as_text=True)

    def json(self) -> Any:
        return json.loads(self.content)


class FlaskSuiteClient:
    """A :class:`flask.testing.FlaskClient` with a site URL and a cookie jar; never follows redirects."""

    def __init__(self, app: Flask, base_url: str) -> None:
        self.client = app.test_client(use_cookies=False)
        self.base_url = base_url
        self.cookies = Jar()

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
        sent = [_text(name, value) for name, value in (headers or {}).items()]
        jar = self.cookies.header(https=self.base_url.startswith("https:"))
        if jar and not any(name.lower() == "cookie" for name, _ in sent):
            sent.append(("Cookie", jar))
        body: Any = content if content is not None else data
        response = self.client.open(path, method=method, base_url=self.base_url, headers=sent, data=body, json=json)
        self.cookies.update(response.headers.getlist("Set-Cookie"))
        return Response(response)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)


def _text(name: str | bytes, value: str | bytes) -> tuple[str, str]:
    return _latin1(name), _latin1(value)


def _latin1(text: str | bytes) -> str:
    # Raw bytes become the latin-1 text WSGI servers put in the environ (PEP 3333).
    return text.decode("latin-1") if isinstance(text, bytes) else text


@contextmanager
def flask_suite_client(app: Flask, base_url: str) -> Iterator[FlaskSuiteClient]:
    yield FlaskSuiteClient(app, base_url)
