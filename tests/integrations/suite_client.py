"""What the Flask and Django suite clients share: a browser's cookie jar and an httpx-style response.

The shared suite was written against Starlette's (httpx-style) ``TestClient``: ``response.json()``,
``headers.get_list``, and a ``cookies`` jar with ``[name]``, ``in`` and ``set``. The WSGI test
clients answer in their own types; these classes rename, and the jar is kept here, not in the
framework's client, so the suite's raw cookie values (quotes, ``%`` escapes, 5,000 bytes) reach
the app byte for byte, as an httpx jar sends them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Any


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
    """Response headers as (name, value) pairs, names compared without case."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def get_list(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key.lower() == name.lower()]

    def get(self, name: str, default: str | None = None) -> str | None:
        found = self.get_list(name)
        return found[0] if found else default

    def __getitem__(self, name: str) -> str:
        found = self.get_list(name)
        if not found:
            raise KeyError(name)
        return found[0]

    def __contains__(self, name: str) -> bool:
        return bool(self.get_list(name))


class Response:
    def __init__(self, status_code: int, headers: Iterable[tuple[str, str]], content: bytes) -> None:
        self.status_code = status_code
        self.headers = Headers(headers)
        self.content = content
        self.text = content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def latin1(text: str | bytes) -> str:
    # Raw bytes become the latin-1 text WSGI servers put in the environ (PEP 3333).
    return text.decode("latin-1") if isinstance(text, bytes) else text
