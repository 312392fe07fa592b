"""Flask's own test client, seen through the few ``TestClient`` methods the shared suite calls.

Requests go through werkzeug's ``FlaskClient``; this file only renames (``suite_client``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Flask

from .suite_client import Jar, Response, latin1


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
        sent = [(latin1(name), latin1(value)) for name, value in (headers or {}).items()]
        jar = self.cookies.header(https=self.base_url.startswith("https:"))
        if jar and not any(name.lower() == "cookie" for name, _ in sent):
            sent.append(("Cookie", jar))
        body: Any = content if content is not None else data
        response = self.client.open(path, method=method, base_url=self.base_url, headers=sent, data=body, json=json)
        self.cookies.update(response.headers.getlist("Set-Cookie"))
        return Response(response.status_code, response.headers.items(), response.get_data())

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)


@contextmanager
def flask_suite_client(app: Flask, base_url: str) -> Iterator[FlaskSuiteClient]:
    yield FlaskSuiteClient(app, base_url)
