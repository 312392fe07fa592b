"""One session across frameworks: the FastAPI demo (uvicorn), the Flask example (waitress) and the
Django example (uvicorn, ASGI).

The three examples run as shipped, in subprocesses on loopback, with one ``AUTH_SECRET`` and the
same ``AUTH_FORMAT`` and ``AUTH_SESSION_STRATEGY``; for database sessions they share one SQLite
file, the demo and Flask through ``SQLAlchemyAdapter`` and Django through ``DjangoAdapter`` (after
``migrate`` adopted the tables the demo made). One HTTP client plays the browser: it keeps cookies
per host, not per port, so the cookie one site sets is the cookie the others receive. For every
ordered pair of sites, a user signed in on the first opens the second's pages; signed out on the
second, they are signed out of all three.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx2
import pytest

from example_servers import free_port, requires_waitress, start_example, stop
from helpers import AUTH_ENV, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
SECRET = "one-session-across-frameworks-0123456789abcdef"
EMAIL, PASSWORD = "demo@example.com", "demo-password"  # the account the three examples seed or accept
SESSION = {"v4": "next-auth.session-token", "v5": "authjs.session-token"}
CONFIGS = [(f, s) for s in ("jwt", "database") for f in ("v4", "v5")]
#: Each site and how it is served (tests/example_servers.py).
SITES = {
    "fastapi": "demo-uvicorn",
    "flask": "flask-waitress",
    "django": "django-uvicorn",
    "litestar": "litestar-uvicorn",
}
PAIRS = list(itertools.permutations(SITES, 2))


@pytest.fixture(scope="module", params=CONFIGS, ids=[f"{f}-{s}" for f, s in CONFIGS])
def sites(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The three examples, started once per (format, strategy), sharing a secret and a database."""
    requires_waitress()
    format, strategy = request.param
    folder = tmp_path_factory.mktemp(f"one-session-{format}-{strategy}")
    unset = {*AUTH_ENV, "SMTP_URL", "EMAIL_SERVER", "GITHUB_ID", "GOOGLE_ID", "RATE_LIMIT_REDIS_URL", "OIDC_ISSUER"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in unset and not k.startswith("DJANGO_")},
        "AUTH_SECRET": SECRET,
        "AUTH_FORMAT": format,
        "AUTH_SESSION_STRATEGY": strategy,
        "DEMO_DB": str(folder / "shared.sqlite3"),
        "DEMO_LOCAL_OIDC": "0",
        "PYTHONUNBUFFERED": "1",
    }
    with ExitStack() as stack:
        started: dict[str, tuple[subprocess.Popen[str], Path, str]] = {}
        for site, server in SITES.items():
            if strategy == "database" and site != "fastapi":
                # One database: the demo makes its tables and the seed account before the others
                # start; then Flask starts while Django migrates. Without one, all start at once.
                _wait(*started["fastapi"])
                if site == "django":
                    _migrate(env, folder / "migrate.log")
            port, log = free_port(), folder / f"{site}.log"
            process = start_example(server, port, env, stack.enter_context(log.open("w")))
            stack.callback(stop, process)
            started[site] = (process, log, f"http://127.0.0.1:{port}")
        found = {site: _wait(*started[site]) for site in SITES}
        yield {**found, "format": format, "strategy": strategy}


def _wait(process: subprocess.Popen[str], log: Path, url: str) -> str:
    try:
        wait_until_answering(process, f"{url}/api/me", timeout=60)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{log.read_text()}") from None
    return url


def _migrate(env: dict[str, str], log: Path) -> None:
    """The Django example's documented first step for database sessions: ``migrate``, which adopts
    the tables the demo made (``CREATE TABLE IF NOT EXISTS``) and records its migrations."""
    command = [sys.executable, "-m", "examples.django_app", "migrate", "--no-input", "-v0"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    log.write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout + done.stderr


def _sign_in(browser: httpx2.Client, site: str) -> None:
    """Sign in with the site's email and password form: its ``Password`` provider's, when it has one
    (the demo's), else its credentials provider's, whatever its id (the other examples')."""
    providers = browser.get(f"{site}/api/auth/providers").json()
    provider = providers.get("password") or next(p for p in providers.values() if p["type"] == "credentials")
    token = browser.get(f"{site}/api/auth/csrf").json()["csrfToken"]
    form = {"csrfToken": token, "email": EMAIL, "password": PASSWORD, "callbackUrl": f"{site}/profile"}
    response = browser.post(provider["callbackUrl"], data=form)
    assert response.status_code == 302, response.text
    assert response.headers["location"] == f"{site}/profile"


def _me(browser: httpx2.Client, site: str, cookie: str | None = None) -> object:
    return browser.get(f"{site}/api/me", headers={"Cookie": cookie} if cookie else None).json()


@pytest.mark.parametrize(("made_on", "opened_on"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
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
        for site in SITES:
            assert _me(browser, sites[site]) == {"userEmail": None}, site
    if sites["strategy"] == "database":
        # Signing out deleted the row: the old cookie opens none of the sites any more.
        with httpx2.Client() as stranger:
            for site in SITES:
                assert _me(stranger, sites[site], cookie) == {"userEmail": None}, site
