"""Litestar's own test client, set up as the shared suite and the README walk use it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Litestar
from litestar.testing import TestClient

from .session_suite import SITE


@contextmanager
def litestar_client(app: Litestar, base_url: str = SITE) -> Iterator[TestClient[Litestar]]:
    """A :class:`TestClient` for ``app`` at ``base_url`` that never follows redirects."""
    with warnings.catch_warnings():
        # Litestar warns about a host without a dot; the suite's site is Starlette's http://testserver,
        # and httpx's jar keeps its cookies (the suite checks they come back).
        warnings.filterwarnings("ignore", "The base_url", UserWarning)
        opened = TestClient(app, base_url=base_url)
    with opened as client:
        client.follow_redirects = False  # the suite reads every redirect itself
        yield client
