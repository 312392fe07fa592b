"""The demo's "Sign in with Local OIDC": a real OpenID Provider beside it, when Node.js is installed.

The provider is the one the test suite signs in through: ``tests/node/oidc/server.mjs``, panva's
certified ``oidc-provider``, with its development login and consent pages. The demo starts it
as a child process on a free 127.0.0.1 port, registers the demo's callback URLs with it, and
stops it when the demo stops. It knows two accounts, ``alice`` and ``bob``, and takes any
password: a development provider, never one to expose beyond localhost.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from authsession.providers import OIDC, OAuthProvider

OIDC_DIR = Path(__file__).resolve().parents[2] / "tests" / "node" / "oidc"
#: The account to sign in as on the provider's login page (any password).
LOGIN = "alice"
PROVIDER_ID = "local"
START_TIMEOUT = 30.0
INSTALL_TIMEOUT = 300
#: The variables :meth:`LocalOIDC.environment` sets for the demo's worker processes.
ENV_ISSUER = "DEMO_LOCAL_OIDC_ISSUER"
ENV_CLIENT_ID = "DEMO_LOCAL_OIDC_CLIENT_ID"
ENV_CLIENT_SECRET = "DEMO_LOCAL_OIDC_CLIENT_SECRET"

Say = Callable[[str], None]


@dataclass
class LocalOIDC:
    """The running provider: its issuer, the demo's client, and the child process."""

    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[str]
    log_path: Path
    log: IO[str]

    def provider(self) -> OAuthProvider:
        """The demo's ``OIDC`` provider for it, discovered from the issuer."""
        return _oidc(self.issuer, self.client_id, self.client_secret)

    def environment(self) -> dict[str, str]:
        """Where :func:`provider_from_env` finds this provider: for the demo's worker processes."""
        return {ENV_ISSUER: self.issuer, ENV_CLIENT_ID: self.client_id, ENV_CLIENT_SECRET: self.client_secret}

    def stop(self, *, keep_log: bool = False) -> None:
        """Stop the provider and anything it spawned (it leads its own process group)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()
        if not keep_log:
            self.log_path.unlink(missing_ok=True)


def provider_from_env(environ: Mapping[str, str] = os.environ) -> OAuthProvider | None:
    """The provider a parent process started (:meth:`LocalOIDC.environment`), if it did."""
    issuer, client_id = environ.get(ENV_ISSUER), environ.get(ENV_CLIENT_ID)
    if not issuer or not client_id:
        return None
    return _oidc(issuer, client_id, environ.get(ENV_CLIENT_SECRET, ""))


def _oidc(issuer: str, client_id: str, client_secret: str) -> OAuthProvider:
    return OIDC(id=PROVIDER_ID, name="Local OIDC", issuer=issuer, client_id=client_id, client_secret=client_secret)


def redirect_uris(host: str, port: int, site_url: str | None = None) -> list[str]:
    """The demo's callback URL under each name a local browser may use for it, and under
    ``site_url`` (``AUTH_URL``), which authsession then builds its callback URLs from."""
    hosts = ["127.0.0.1", "localhost"]
    if host not in (*hosts, "0.0.0.0", "::", ""):  # noqa: S104 (a comparison, not a bind)
        hosts.append(f"[{host}]" if ":" in host else host)
    uris = [f"http://{name}:{port}/api/auth/callback/{PROVIDER_ID}" for name in hosts]
    if site_url:
        parts = urlsplit(site_url if "://" in site_url else f"https://{site_url}")
        base_path = parts.path.rstrip("/") or "/api/auth"
        uris.append(f"{parts.scheme}://{parts.netloc}{base_path}/callback/{PROVIDER_ID}")
    return uris


def _installed() -> bool:
    return (OIDC_DIR / "node_modules" / "oidc-provider").is_dir()


def _install(say: Say) -> bool:
    """``npm ci`` in the provider's folder, as ``make node`` does; whether it worked."""
    npm = shutil.which("npm")
    folder = os.path.relpath(OIDC_DIR)
    if npm is None:
        say(f"Local OIDC: off (npm is not installed, so `npm ci` in {folder} cannot run)")
        return False
    say(f"Local OIDC: installing oidc-provider once with `npm ci` in {folder} ...")
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments, npm from PATH)
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=OIDC_DIR,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=INSTALL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        say(f"Local OIDC: off (`npm ci` in {folder} took more than {INSTALL_TIMEOUT} s)")
        return False
    if done.returncode != 0 or not _installed():
        say(f"Local OIDC: off (`npm ci` in {folder} failed; run it yourself to see why)")
        return False
    (OIDC_DIR / "node_modules" / ".installed").touch()  # the stamp `make node` checks
    return True


def start_local_oidc(uris: Sequence[str], *, install: bool = True, say: Say = print) -> LocalOIDC | None:
    """Start the provider with ``uris`` as the client's redirect URIs.

    Returns ``None`` after saying one line why when Node.js, or the npm packages (and
    ``install`` is false or ``npm ci`` fails), are missing, or when the provider does not start.
    """
    node = shutil.which("node")
    if node is None:
        say('Local OIDC: off (Node.js is not installed, so there is no "Sign in with Local OIDC")')
        return None
    if not _installed() and not (install and _install(say)):
        if not install:
            say(f"Local OIDC: off (run `npm ci` in {os.path.relpath(OIDC_DIR)} or `make node` to turn it on)")
        return None
    client_secret = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE_OPTIONS", "OIDC_"))}
    env.update(OIDC_REDIRECT_URIS=" ".join(uris), OIDC_CLIENT_SECRET=client_secret)
    fd, name = tempfile.mkstemp(prefix="authsession-demo-oidc-", suffix=".log")
    log_path = Path(name)
    log = os.fdopen(fd, "w")
    process = subprocess.Popen(  # noqa: S603 (fixed arguments, node from PATH)
        [node, "server.mjs", "0"],
        cwd=OIDC_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,  # Ctrl-C goes to the demo, which stops the whole group
    )
    assert process.stdout is not None
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
        line = process.stdout.readline() if ready else ""
    except BaseException:
        # Stopped (SIGTERM, Ctrl-C) while the provider was starting: take it down too.
        LocalOIDC("", "", "", process, log_path, log).stop()
        raise
    info = _started(line)
    if info is None:
        LocalOIDC("", "", "", process, log_path, log).stop(keep_log=True)
        say(f"Local OIDC: off (the provider did not start; see {log_path})")
        return None
    issuer, client_id = info
    return LocalOIDC(issuer, client_id, client_secret, process, log_path, log)


def _started(line: str) -> tuple[str, str] | None:
    """The issuer and the confidential client's id from server.mjs' start-up line."""
    try:
        info = json.loads(line)
        issuer = info["issuer"]
        client_id = info["clients"]["confidential"]["client_id"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(issuer, str) and isinstance(client_id, str)):
        return None
    return issuer, client_id


def start_for_demo(
    host: str, port: int, *, environ: Mapping[str, str] = os.environ, install: bool = True, say: Say = print
) -> LocalOIDC | None:
    """The demo's wiring: the provider for a demo served on ``host``:``port``, unless
    ``DEMO_LOCAL_OIDC=0`` turns it off."""
    if environ.get("DEMO_LOCAL_OIDC", "1") == "0":
        return None
    site_url = environ.get("AUTH_URL") or environ.get("NEXTAUTH_URL")
    return start_local_oidc(redirect_uris(host, port, site_url), install=install, say=say)
