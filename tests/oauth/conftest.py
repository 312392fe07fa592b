"""A real OpenID Provider (``tests/node/oidc/server.mjs``) and the app under test, both served.

Session scope: one provider process and one uvicorn app per format (``v4``, ``v5``). The
app sockets are bound first, so the provider can register their exact callback URLs.
Without Node or ``npm ci`` in ``tests/node/oidc`` the tests skip (and fail when ``CI=true``).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from conftest import requires

from .app import (
    Client,
    Format,
    LiveServer,
    OpenIDProvider,
    UserAgent,
    build_app,
    build_options,
    listening_socket,
    origin_of,
    redirect_uris,
)

OIDC_DIR = Path(__file__).resolve().parents[1] / "node" / "oidc"
START_TIMEOUT = 20.0


class ProviderProcess:
    """``node server.mjs <port>``; ``port=0`` lets it pick one. Its stderr goes to ``log``."""

    def __init__(self, node: str, redirect_uris: Sequence[str], log: Path) -> None:
        self.node = node
        self.redirect_uris = list(redirect_uris)
        self.log_path = log
        self.proc: subprocess.Popen[str] | None = None
        self.log: IO[str] | None = None
        # Kept across restarts, so a restarted provider still knows the app's client.
        self.client_secret = secrets.token_urlsafe(24)

    def start(self, port: int = 0) -> OpenIDProvider:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_OPTIONS", "DEBUG"))}
        env["OIDC_REDIRECT_URIS"] = " ".join(self.redirect_uris)
        env["OIDC_CLIENT_SECRET"] = self.client_secret
        self.log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [self.node, "server.mjs", str(port)],
            cwd=OIDC_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise RuntimeError(f"oidc-provider did not start:\n{self.log_path.read_text()[-3000:]}")
        info: dict[str, Any] = json.loads(line)
        provider = OpenIDProvider(
            issuer=info["issuer"],
            port=info["port"],
            kid=info["kid"],
            confidential=Client(**info["clients"]["confidential"]),
            public=Client(**info["clients"]["public"]),
        )
        discovery = httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=START_TIMEOUT)
        assert discovery.status_code == 200
        assert discovery.json()["issuer"] == provider.issuer
        return provider

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None


@pytest.fixture(scope="session")
def oidc_node() -> str:
    """Node and the pinned ``oidc-provider`` (``npm ci`` in ``tests/node/oidc``)."""
    node = shutil.which("node")
    requires(node is not None, "Node.js is not installed")
    requires(
        (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
        f"oidc-provider missing: run `npm ci` in {os.path.relpath(OIDC_DIR)}",
    )
    assert node is not None
    return node


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


MakeProvider = Callable[[Sequence[str]], ProviderProcess]


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
