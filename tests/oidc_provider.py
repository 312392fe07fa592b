"""The real OpenID Provider (``tests/node/oidc/server.mjs``, panva's oidc-provider), as a child process.

Shared by ``tests/oauth`` (sign-in and refresh against it) and ``tests/interop`` (Next.js and
authsession signing in through the same provider). Conftests import :func:`oidc_node` to offer
it as a fixture. Without Node or ``npm ci`` in ``tests/node/oidc`` the tests skip (and fail
when ``CI=true``).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest

from helpers import NODE_DIR, requires

OIDC_DIR = NODE_DIR / "oidc"
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str | None = None


@dataclass(frozen=True)
class OpenIDProvider:
    """What the running provider told us: its issuer and its two clients."""

    issuer: str
    port: int
    kid: str
    confidential: Client
    public: Client


class ProviderProcess:
    """``node server.mjs <port>``; ``port=0`` lets it pick one. Its stderr goes to ``log``.

    ``env`` adds variables server.mjs reads, such as ``OIDC_ACCESS_TOKEN_TTL``.
    """

    def __init__(
        self, node: str, redirect_uris: Sequence[str], log: Path, *, env: Mapping[str, str] | None = None
    ) -> None:
        self.node = node
        self.redirect_uris = list(redirect_uris)
        self.log_path = log
        self.env = dict(env or {})
        self.proc: subprocess.Popen[str] | None = None
        self.log: IO[str] | None = None
        # Kept across restarts, so a restarted provider still knows the app's client.
        self.client_secret = secrets.token_urlsafe(24)

    def start(self, port: int = 0) -> OpenIDProvider:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_OPTIONS", "DEBUG", "OIDC_"))}
        env["OIDC_REDIRECT_URIS"] = " ".join(self.redirect_uris)
        env["OIDC_CLIENT_SECRET"] = self.client_secret
        env.update(self.env)
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
        discovery = httpx2.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=START_TIMEOUT)
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


def loopback_context(browser: Any) -> Any:
    """A new Chromium context (Playwright) that reaches 127.0.0.1 only: the provider's pages
    import a web font, and the tests must not wait on, or leak to, the internet."""
    context = browser.new_context()
    context.route(lambda url: not url.startswith("http://127.0.0.1"), lambda route: route.abort())
    return context


def log_in_and_consent(page: Any, login: str = "alice") -> None:
    """In Chromium (a Playwright page on the provider's login page): oidc-provider's own login
    page, which takes any password, then its consent page."""
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


#: What the ``provider_process`` fixture of ``tests/oauth`` gives: redirect URIs in, a stopped process out.
MakeProvider = Callable[[Sequence[str]], ProviderProcess]


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
