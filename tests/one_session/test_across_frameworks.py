"""One session across frameworks: the FastAPI demo (uvicorn) and the Flask example (waitress).

Both examples run as shipped, in subprocesses on loopback, with one ``AUTH_SECRET`` and the same
``AUTH_FORMAT`` and ``AUTH_SESSION_STRATEGY`` (and, for database sessions, one SQLite file).
One HTTP client plays the browser: it keeps cookies per host, not per port, so the cookie one
site sets is the cookie the other receives. A user signed in on either opens the other's pages;
signed out on either, they are signed out of both.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx2
import pytest

from helpers import AUTH_ENV, requires, wait_until_answering
from oauth.app import listening_socket

ROOT = Path(__file__).resolve().parents[2]
SECRET = "one-session-across-frameworks-0123456789abcdef"
EMAIL, PASSWORD = "demo@example.com", "demo-password"  # the account both examples seed
SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
CONFIGS = [(f, s) for s in ("jwt", "database") for f in ("v4", "v5")]
SITES = ("fastapi", "flask")


def _serve(stack: ExitStack, command: list[str], env: dict[str, str], port: int, log: Path) -> str:
    output = stack.enter_context(log.open("w"))
    process = subprocess.Popen(
        command, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=output, stderr=output, text=True
    )
    url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        process.terminate()
        process.wait(timeout=10)

    stack.callback(stop)
    try:
        wait_until_answering(process, f"{url}/api/me", timeout=60)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{log.read_text()}") from None
    return url


@pytest.fixture(scope="module", params=CONFIGS, ids=[f"{f}-{s}" for f, s in CONFIGS])
def sites(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Both examples, started for one (format, strategy), sharing a secret and a database."""
    requires(importlib.util.find_spec("waitress") is not None, "waitress is not installed: pip install waitress")
    format, strategy = request.param
    folder = tmp_path_factory.mktemp(f"one-session-{format}-{strategy}")
    unset = {*AUTH_ENV, "SMTP_URL", "EMAIL_SERVER", "GITHUB_ID", "GOOGLE_ID", "RATE_LIMIT_REDIS_URL"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in unset},
        "AUTH_SECRET": SECRET,
        "AUTH_FORMAT": format,
        "AUTH_SESSION_STRATEGY": strategy,
        "DEMO_DB": str(folder / "shared.sqlite3"),
        "DEMO_LOCAL_OIDC": "0",
        "PYTHONUNBUFFERED": "1",
    }
    with ExitStack() as stack:
        ports = []
        for _ in SITES:
            with listening_socket() as probe:
                ports.append(probe.getsockname()[1])
        # The demo first: it creates the tables and the seed account the Flask example signs in to.
        fastapi = _serve(stack, [sys.executable, "-m", "examples.demo"], env, ports[0], folder / "fastapi.log")
        waitress = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{ports[1]}"]
        flask = _serve(
            stack, [*waitress, "--call", "examples.flask_app:create_app"], env, ports[1], folder / "flask.log"
        )
        yield {"fastapi": fastapi, "flask": flask, "format": format, "strategy": strategy}


def _sign_in(browser: httpx2.Client, site: str) -> None:
    token = browser.get(f"{site}/api/auth/csrf").json()["csrfToken"]
    form = {"csrfToken": token, "email": EMAIL, "password": PASSWORD, "callbackUrl": f"{site}/profile"}
    response = browser.post(f"{site}/api/auth/callback/credentials", data=form)
    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"{site}/profile"


def _me(browser: httpx2.Client, site: str, cookie: str | None = None) -> object:
    return browser.get(f"{site}/api/me", headers={"Cookie": cookie} if cookie else None).json()


@pytest.mark.parametrize(("made_on", "opened_on"), [("fastapi", "flask"), ("flask", "fastapi")])
def test_a_session_made_on_one_opens_the_other(sites: dict[str, str], made_on: str, opened_on: str) -> None:
    made, opened = sites[made_on], sites[opened_on]
    with httpx2.Client(follow_redirects=False) as browser:
        assert _me(browser, opened) == {"userEmail": None}
        _sign_in(browser, made)
        cookie = f"{SESSION[sites['format']]}={browser.cookies[SESSION[sites['format']]]}"
        assert _me(browser, made) == {"userEmail": EMAIL}

        assert _me(browser, opened) == {"userEmail": EMAIL}
        profile = browser.get(f"{opened}/profile").text
        assert f"Your email is {EMAIL}" in profile
        assert browser.get(f"{opened}/dashboard", headers={"Accept": "text/html"}).status_code == 200

        token = browser.get(f"{opened}/api/auth/csrf").json()["csrfToken"]
        assert browser.post(f"{opened}/api/auth/signout", data={"csrfToken": token}).status_code == 302
        assert _me(browser, opened) == {"userEmail": None}
        assert _me(browser, made) == {"userEmail": None}
    if sites["strategy"] == "database":
        # Signing out deleted the row: the old cookie opens neither site any more.
        with httpx2.Client() as stranger:
            for site in SITES:
                assert _me(stranger, sites[site], cookie) == {"userEmail": None}
