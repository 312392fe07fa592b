"""A real OpenID Provider (``tests/node/oidc/server.mjs``) and the app under test, both served.

Session scope: one provider process and one uvicorn app per format (``v4``, ``v5``). The
app sockets are bound first, so the provider can register their exact callback URLs.
Without Node or ``npm ci`` in ``tests/node/oidc`` the tests skip (and fail when ``CI=true``).
The provider process and the ``oidc_node`` fixture live in ``tests/oidc_provider.py``, shared
with ``tests/interop``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from oidc_provider import MakeProvider, OpenIDProvider, ProviderProcess, oidc_node

from .app import (
    Format,
    LiveServer,
    UserAgent,
    build_app,
    build_options,
    listening_socket,
    origin_of,
    redirect_uris,
)

#: ``oidc_node`` is a fixture from tests/oidc_provider.py, made available to this folder.
__all__ = ["oidc_node"]


@dataclass(frozen=True)
class Stack:
    provider: OpenIDProvider
    sites: dict[Format, LiveServer]


@pytest.fixture(scope="session")
def stack(oidc_node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The provider and one app per format, for the whole session."""
    formats: tuple[Format, ...] = ("v4", "v5")
    sockets = {format: listening_socket() for format in formats}
    uris = [uri for sock in sockets.values() for uri in redirect_uris(origin_of(sock))]
    process = ProviderProcess(oidc_node, uris, tmp_path_factory.mktemp("oidc") / "provider.log")
    sites: dict[Format, LiveServer] = {}
    try:
        provider = process.start()
        for format, sock in sockets.items():
            sites[format] = LiveServer(build_app(build_options(format, provider)), sock).start()
        yield Stack(provider, sites)
    finally:
        for site in sites.values():
            site.stop()
        process.stop()
        for sock in sockets.values():
            sock.close()


@pytest.fixture
def op(stack: Stack) -> OpenIDProvider:
    return stack.provider


@pytest.fixture
def site(stack: Stack, format: Format) -> LiveServer:
    """The app for ``format`` (the root conftest's ``format`` fixture: both, in turn)."""
    return stack.sites[format]


@pytest.fixture
def agent(site: LiveServer) -> Iterator[UserAgent]:
    """A fresh cookie jar against ``site``."""
    user_agent = UserAgent(site.url)
    yield user_agent
    user_agent.close()


@pytest.fixture
def provider_process(oidc_node: str, tmp_path: Path) -> Iterator[MakeProvider]:
    """Make your own provider: ``provider_process(redirect_uris)`` gives a stopped
    :class:`ProviderProcess`; it is stopped at the end of the test."""
    made: list[ProviderProcess] = []

    def make(uris: Sequence[str]) -> ProviderProcess:
        process = ProviderProcess(oidc_node, uris, tmp_path / f"provider-{len(made)}.log")
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()
