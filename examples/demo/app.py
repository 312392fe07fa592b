"""The demo app: the seed's Next.js pages, in Python, on FastAPI with authsession.

Each page asks for the session on the server before it renders. Users, database sessions and
email tokens live in the Auth.js schema of one SQLite file, through authsession's SQLAlchemy
adapter, with password hashes and session details in authsession's own tables beside it.
Password accounts (sign-up with a confirmed address, forgot/reset, change) are authsession's
``Password`` provider and its built-in pages; "Your sessions" is its built-in ``/sessions`` page.
``create_app`` builds the app (tests call it with a temporary database); ``main`` runs it with
uvicorn.
"""

# No `from __future__ import annotations` here: FastAPI reads the routes' Annotated[..., Depends(auth...)]
# at runtime, and `auth` is a local of create_app that a string annotation could not resolve.
import asyncio
import gc
import inspect
import logging
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import URL
from starlette.types import ASGIApp, Receive, Scope, Send

import authsession.providers
from authsession import AuthOptions, Session, get_server_session
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.integrations.fastapi import AuthSession
from authsession.providers import Email, EmailProvider, Provider
from authsession.providers.passkey import PASSKEY_SCRIPT_HASH, Passkey
from authsession.providers.password import Password, PasswordProvider, smtp_mailer
from authsession.ratelimit import RateLimits, RedisRateLimitStore
from authsession.session_management import SessionManagement
from authsession.theme import Theme
from authsession.two_factor import TwoFactor

from ..session_env import session_from_env
from . import local_oidc, templates

logger = logging.getLogger("examples.demo")

DEFAULT_DB_PATH = Path("demo.sqlite3")

#: The demo exports no telemetry. FastAPI 0.142 and later look up OpenTelemetry's global tracer,
#: meter and logger providers on every request, whether or not any is set up: about 3 µs in a
#: tight loop and 7 % of the session endpoint's requests per second under load
#: (docs/performance.md). Switched off where FastAPI has the setting; to trace the demo, drop it.
NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI).parameters
    else {}
)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    name: str
    email: str
    password: str


#: Created at start-up when missing (a password account whose address counts as confirmed), so
#: there is always someone to sign in as. A demo only: never seed a known password in a real deployment.
DEMO_ACCOUNT = DemoAccount(name="Demo User", email="demo@example.com", password="demo-password")

#: The built-in pages (password accounts, "Your sessions", two-factor) in the demo's own blue.
THEME = Theme(brand_color="#3b5bdb")

# Messages for the `error` codes authsession sends to the sign-in page; the raw code is never shown.
LOGIN_ERRORS = {
    "CredentialsSignin": "Sign-in failed. Check your email and password and try again.",
    "Verification": "That sign-in link has expired or was used already. Ask for a new one below.",
    "MissingCSRF": "Your sign-in form had expired. Please try again.",
    "AccessDenied": "You are not allowed to sign in.",
    "OAuthAccountNotLinked": "This email is already used with another sign-in method. Sign in the way you did before.",
    "SessionRequired": "Please sign in to view that page.",
}
LOGIN_ERROR_DEFAULT = "Sign-in did not work. Please try again."
#: Shown for ``code=rate_limited``: authsession's brute-force limits refused the attempt.
LOGIN_RATE_LIMITED = "Too many sign-in attempts. Please wait a few minutes and try again."

# Pages show per-user content: keep them out of shared caches, and out of frames. The one script
# allowed is authsession's passkey script (by its hash), which talks to this site only.
PAGE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; "
        f"script-src '{PASSKEY_SCRIPT_HASH}'; connect-src 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


#: Who email sign-in links come from, unless ``EMAIL_FROM`` says otherwise.
DEFAULT_EMAIL_FROM = "authsession demo <no-reply@localhost>"

SendEmail = Callable[..., Awaitable[None] | None]


def resolve_secret() -> tuple[str, bool]:
    """``AUTH_SECRET`` from the environment, else a random one; and whether it was generated."""
    secret = os.environ.get("AUTH_SECRET")
    if secret:
        return secret, False
    return secrets.token_urlsafe(32), True


def oauth_providers_from_env(environ: Mapping[str, str] = os.environ) -> list[Provider]:
    """GitHub and Google sign-in when ``GITHUB_ID``/``GITHUB_SECRET`` or ``GOOGLE_ID``/``GOOGLE_SECRET`` are set.

    The presets are looked up by name so the demo still runs with an authsession that does not
    ship them yet: a configured but missing preset is skipped with a warning.
    """
    providers: list[Provider] = []
    for preset, prefix in (("GitHub", "GITHUB"), ("Google", "GOOGLE")):
        client_id, client_secret = environ.get(f"{prefix}_ID"), environ.get(f"{prefix}_SECRET")
        if not (client_id and client_secret):
            continue
        try:
            factory = getattr(authsession.providers, preset)
        except AttributeError:
            logger.warning("%s_ID is set, but authsession.providers has no %s preset: skipping it", prefix, preset)
            continue
        providers.append(factory(client_id=client_id, client_secret=client_secret))
    return providers


def _print_link(heading: str, url: str | None, note: str) -> None:
    rule = "-" * 72
    link = f"    {url}\n\n" if url else ""
    print(
        f"\n{rule}\n{heading} (no SMTP_URL is set, so it is printed here instead of mailed):\n\n{link}{note}\n{rule}\n",
        flush=True,
    )


def print_sign_in_link(*, identifier: str, url: str, expires: datetime, **_: Any) -> None:
    """The demo's "no SMTP" sender: print the sign-in link to the server console (stdout).

    The link signs in whoever opens it, once, until it expires: fine in your own terminal,
    never in logs that others read.
    """
    until = expires.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"Open it in the browser that asked for it. It works once, until {until}."
    _print_link(f"Email sign-in link for {identifier}", url, note)


#: What each mail of the ``Password`` provider says, as the console shows it.
PASSWORD_MAILS = {
    "sign-up": ("Sign-up confirmation link for {}", "Open it to confirm the address; the password works after that."),
    "reset": ("Password reset link for {}", "Open it to choose a new password. It works once, within the hour."),
    "account-exists": (
        "Someone tried to sign up as {}, which has an account already",
        "If it was you, sign in, or choose a new password at the link above.",
    ),
}


def print_password_mail(*, kind: str, identifier: str, url: str | None, **_: Any) -> None:
    """The demo's "no SMTP" sender for the ``Password`` provider: print the mail's link.

    A sign-up or reset link is as good as the password it sets: fine in your own terminal,
    never in logs that others read.
    """
    heading, note = PASSWORD_MAILS.get(kind, ("Password email for {}", ""))
    _print_link(heading.format(identifier), url, note)


def email_provider_from_env(
    send_email: SendEmail | None = None, environ: Mapping[str, str] = os.environ
) -> EmailProvider:
    """Email sign-in that sends with ``send_email`` if given, else over SMTP at ``SMTP_URL`` (or
    ``EMAIL_SERVER``), else with :func:`print_sign_in_link`. ``EMAIL_FROM`` sets the sender."""
    server = environ.get("SMTP_URL") or environ.get("EMAIL_SERVER")
    from_address = environ.get("EMAIL_FROM") or DEFAULT_EMAIL_FROM
    if send_email is None and server:
        return Email(server=server, from_address=from_address)
    return Email(send_verification_request=send_email or print_sign_in_link, from_address=from_address)


def password_mailer(email_signin: EmailProvider, send_email: SendEmail | None = None) -> SendEmail:
    """How the ``Password`` provider's mails go out: the same way as ``email_signin``'s links.

    ``send_email`` if given; over ``email_signin``'s SMTP server if it has one, each kind in its
    own words (authsession's :func:`~authsession.providers.password.smtp_mailer`); else printed
    by :func:`print_password_mail`.
    """
    if send_email is not None:
        return send_email
    if email_signin.server is None:
        return print_password_mail
    return smtp_mailer(email_signin.server, from_address=email_signin.from_address)


def sqlite_url(path: str | Path) -> URL:
    """``sqlite+aiosqlite:///{path}``, built so that any character in ``path`` is safe."""
    return URL.create("sqlite+aiosqlite", database=str(path))


async def seed(adapter: SQLAlchemyAdapter, password: PasswordProvider, account: DemoAccount) -> bool:
    """Make ``account`` a password account, through the adapter and the provider's hasher;
    whether anything changed.

    An existing user with that address keeps their row and gets the password only when they
    have none (a database from before the demo used the ``Password`` provider).
    """
    user = await adapter.get_user_by_email(account.email)
    if user is not None and await adapter.get_password_hash(user["id"]) is not None:
        return False
    confirmed = datetime.now(UTC)
    if user is None:
        user = await adapter.create_user({"name": account.name, "email": account.email, "emailVerified": confirmed})
    elif user.get("emailVerified") is None:
        user = await adapter.update_user({"id": user["id"], "emailVerified": confirmed})
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    hashed = await anyio.to_thread.run_sync(password.hash, account.password)
    await adapter.set_password_hash(user["id"], hashed)
    return True


class StartUp:
    """Create the tables (where missing) and the seed account once, before the first request.

    The app's lifespan calls it at start-up; :class:`StartUpFirst` calls it too, for servers
    that run without a lifespan (the test suites' uvicorn threads).
    """

    def __init__(
        self, adapter: SQLAlchemyAdapter, password: PasswordProvider, seed_account: DemoAccount | None
    ) -> None:
        self.adapter = adapter
        self.password = password
        self.seed_account = seed_account
        self.done = False
        self._lock = asyncio.Lock()

    async def __call__(self) -> None:
        if self.done:
            return
        async with self._lock:
            if self.done:
                return
            await self.adapter.create_schema()
            if self.seed_account is not None:
                await seed(self.adapter, self.password, self.seed_account)
            self.done = True


class StartUpFirst:
    """ASGI middleware: run :class:`StartUp` before the first HTTP request is handled."""

    def __init__(self, app: ASGIApp, start_up: StartUp) -> None:
        self.app = app
        self.start_up = start_up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.start_up.done:
            await self.start_up()
        await self.app(scope, receive, send)


def login_error_message(error: str | None, code: str | None) -> str | None:
    if not error:
        return None
    if code == "rate_limited":
        return LOGIN_RATE_LIMITED
    return LOGIN_ERRORS.get(error, LOGIN_ERROR_DEFAULT)


def rate_limits_from_env(environ: Mapping[str, str] = os.environ) -> RateLimits:
    """authsession's brute-force limits (the defaults), counted in Redis when ``RATE_LIMIT_REDIS_URL``
    is set (several demo processes then share them), behind the proxies ``TRUSTED_PROXIES`` lists
    (comma-separated addresses or networks), if any."""
    redis_url = environ.get("RATE_LIMIT_REDIS_URL")
    proxies = [p.strip() for p in environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
    store = RedisRateLimitStore(redis_url) if redis_url else None
    return RateLimits(store=store, trusted_proxies=proxies)


def same_site_path(value: str | None, request: Request) -> str:
    """``value`` if it points into this site (a local path or a same-origin URL), else ``""``.

    authsession validates callbackUrl again on sign-in; this only keeps the login form from
    carrying a value that would be refused.
    """
    if not value or any(ord(c) < 0x20 for c in value):
        return ""
    if value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    parts = urlsplit(value)
    if parts.scheme == request.url.scheme and parts.netloc == request.url.netloc:
        return value
    return ""


def page(html: str, *, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def create_app(
    db_path: str | Path = DEFAULT_DB_PATH,
    *,
    secret: str | None = None,
    seed_account: DemoAccount | None = DEMO_ACCOUNT,
    oauth_providers: Sequence[Provider] | None = None,
    url: str | None = None,
    send_email: SendEmail | None = None,
    freeze_heap: bool = False,
) -> FastAPI:
    """The demo app, with users and sessions in the SQLite file at ``db_path``.

    ``secret`` defaults to ``AUTH_SECRET``, else a random one. ``oauth_providers`` defaults to
    :func:`oauth_providers_from_env`. ``url`` is the site's address (default ``AUTH_URL``), which
    email sign-in links start with; without one they start with the request's host, which the
    demo allows only while links are printed to the console. ``send_email`` delivers every mail:
    sign-in links (called as Email's ``send_verification_request``) and the ``Password``
    provider's mails (called with ``kind``, ``identifier`` and ``url``); without it they go over
    SMTP or to the console (see :func:`email_provider_from_env`, :func:`password_mailer`). The
    tables and ``seed_account`` are created at start-up.
    The token format and session strategy come from ``AUTH_FORMAT`` and ``AUTH_SESSION_STRATEGY``
    (default ``v5`` and ``database``; ``examples/session_env.py``). ``freeze_heap=True`` (what
    :func:`main` serves) ends the start-up with :func:`settle_heap`.
    """
    format, strategy = session_from_env("database")
    if secret is None:
        secret, generated = resolve_secret()
        if generated:
            logger.warning("AUTH_SECRET is not set: using a random secret; email links will not survive a restart")
    adapter = SQLAlchemyAdapter(sqlite_url(db_path))
    email_signin = email_provider_from_env(send_email)
    # Sign-up with a confirmed address, forgot/reset and change password: authsession's pages
    # under /api/auth/password/, mailing the way email sign-in links go.
    password = Password(adapter=adapter, send_email=password_mailer(email_signin, send_email))
    start_up = StartUp(adapter, password, seed_account)
    extra = oauth_providers_from_env() if oauth_providers is None else list(oauth_providers)
    site_url = url or os.environ.get("AUTH_URL") or os.environ.get("NEXTAUTH_URL") or None
    link_in_console = email_signin.send_verification_request is print_sign_in_link
    # Without a site URL, links start with the request's Host header. Printed to this console
    # they reach nobody else, so the demo allows it (as Auth.js does in development); a link
    # that is mailed must not point at a host an attacker chose, and authsession refuses that.
    trust_host = True if site_url is None and link_in_console else None

    # Accounts start with a confirmed email (sign-up, an email link or OAuth); a passkey is added
    # afterwards from the home page, so no account carries an address nobody confirmed.
    # Passkeys are Auth.js 5's: a demo in next-auth 4's format (AUTH_FORMAT=v4) offers none.
    passkeys = [Passkey(new_users=False)] if format == "v5" else []
    auth_options = AuthOptions(
        secret=secret,
        providers=[password, email_signin, *passkeys, *extra],
        adapter=adapter,
        format=format,
        session={"strategy": strategy},
        url=site_url,
        trust_host=trust_host,
        # Errors that are not about sign-in (an expired email link) land on /login too.
        pages={"sign_in": "/login", "error": "/login", "verify_request": "/check-email"},
        theme=THEME,
        rate_limits=rate_limits_from_env(),
        # "Set up two-factor" on the dashboard; after that every sign-in asks for a code.
        two_factor=TwoFactor(issuer="authsession demo"),
        # "Your sessions" (/api/auth/sessions): each browser signed in, with a button to end it.
        # Recorded when a session starts; reading a session stays one query.
        session_management=SessionManagement(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await start_up()
        if freeze_heap:
            settle_heap()
        try:
            yield
        finally:
            await adapter.close()

    app = FastAPI(
        title="authsession demo",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        **NO_TELEMETRY,
    )
    auth = AuthSession(app, auth_options)
    # Added after AuthSession's middleware, so it runs first: /api/auth needs the tables too.
    app.add_middleware(StartUpFirst, start_up=start_up)
    app.state.auth_options = auth_options
    app.state.adapter = adapter
    app.state.start_up = start_up
    base_path = auth_options.base_path
    oauth_buttons = [templates.OAuthButton(p.id, p.name) for p in auth_options.providers if p.type in ("oauth", "oidc")]

    @app.get("/")
    async def home(
        session: Annotated[Session | None, Depends(auth.session)],
        csrf_token: Annotated[str, Depends(auth.csrf_token)],
    ) -> HTMLResponse:
        user = session["user"] if session else None
        return page(templates.home_page(user, base_path=base_path, csrf_token=csrf_token, passkeys=bool(passkeys)))

    @app.get("/profile")
    async def profile(request: Request, response: Response) -> HTMLResponse:
        session = await get_server_session(request, response, auth_options)
        return page(templates.profile_page(session["user"] if session else None, base_path=base_path))

    @app.get("/dashboard")
    async def dashboard(
        session: Annotated[Session, Depends(auth.require_session(redirect_to="/login"))],
    ) -> HTMLResponse:
        setup = f"{base_path}/two-factor/setup?" + urlencode({"callbackUrl": "/dashboard"})
        html = templates.dashboard_page(
            session["user"], expires=session["expires"], two_factor_url=setup, base_path=base_path
        )
        return page(html)

    @app.get("/api/me")
    async def me(session: Annotated[Session | None, Depends(auth.session)]) -> JSONResponse:
        email = session["user"].get("email") if session else None
        return JSONResponse({"userEmail": email}, headers={"Cache-Control": "private, no-store"})

    @app.get("/login")
    async def login(request: Request, csrf_token: Annotated[str, Depends(auth.csrf_token)]) -> HTMLResponse:
        error = request.query_params.get("error")
        html = templates.login_page(
            passkeys=bool(passkeys),
            base_path=base_path,
            csrf_token=csrf_token,
            callback_url=same_site_path(request.query_params.get("callbackUrl"), request),
            error_message=login_error_message(error, request.query_params.get("code")),
            password_provider_id=password.id,
            oauth=oauth_buttons,
            email_provider_id=email_signin.id,
            link_in_console=link_in_console,
        )
        return page(html)

    @app.get("/check-email")
    async def check_email() -> HTMLResponse:
        return page(templates.check_email_page(link_in_console=link_in_console, base_path=base_path))

    return app


def site_url_for(host: str, port: int, environ: Mapping[str, str] = os.environ) -> str:
    """``AUTH_URL`` (or ``NEXTAUTH_URL``), else the address of a demo served on ``host``:``port``."""
    configured = environ.get("AUTH_URL") or environ.get("NEXTAUTH_URL")
    if configured:
        return configured
    # A wildcard address is where the server listens, not one a browser can open.
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host)  # noqa: S104
    if shown is None:
        shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def settle_heap() -> None:
    """Collect once, then move every object alive after start-up out of the collector's sight.

    The modules, the app and its caches live as long as the process, yet a full (generation 2)
    collection walked all of them: about 125,000 objects, 70-80 ms during which no request moved,
    a few times in every 10 s under load, because the requests in flight at each younger
    collection are promoted and count towards the next full one. Frozen (:func:`gc.freeze`), they
    are skipped, and a full collection walks what requests left behind: about a millisecond.
    """
    gc.collect()
    gc.freeze()


def worker_app() -> FastAPI:
    """The app each of the ``DEMO_WORKERS`` uvicorn worker processes serves.

    :func:`main` leaves in the environment they inherit what the workers must agree on: the
    secret (a generated one too, so a cookie made by one worker opens on the other), the site's
    address, the database file and the local OpenID Provider's client.
    """
    providers = oauth_providers_from_env()
    if (local := local_oidc.provider_from_env()) is not None:
        providers.append(local)
    db_path = Path(os.environ.get("DEMO_DB", DEFAULT_DB_PATH))
    secret, url = os.environ["AUTH_SECRET"], os.environ["AUTH_URL"]
    return create_app(db_path, secret=secret, oauth_providers=providers, url=url, freeze_heap=True)


def main() -> None:
    """Run the demo with uvicorn on ``HOST``:``PORT`` (default 127.0.0.1:8000).

    ``DEMO_WORKERS`` (default 1) worker processes serve it; each has its own event loop and
    SQLite connections on the one database file. The console shows the sign-in links, so
    uvicorn's line per request is off unless ``DEMO_ACCESS_LOG=1``.
    """
    import uvicorn

    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("PORT", "8000"))
        workers = int(os.environ.get("DEMO_WORKERS", "1"))
    except ValueError:
        sys.exit("PORT and DEMO_WORKERS must be numbers")
    if workers < 1:
        sys.exit("DEMO_WORKERS must be 1 or more")
    db_path = Path(os.environ.get("DEMO_DB", DEFAULT_DB_PATH))
    secret, generated = resolve_secret()
    site_url = site_url_for(host, port)
    # uvicorn shuts down on SIGTERM and then raises the signal again; with Python's default
    # handler that kills the process on the spot, skipping the `finally` below, and the OIDC
    # provider (its own session, so no signal reaches it) outlived `docker stop`. Exit instead.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # With Node.js, a real OpenID Provider runs beside the demo until it stops (Ctrl-C included).
    local = local_oidc.start_for_demo(host, port)
    try:
        oauth_providers = oauth_providers_from_env()
        if local is not None:
            oauth_providers.append(local.provider())
        app = create_app(db_path, secret=secret, oauth_providers=oauth_providers, url=site_url, freeze_heap=True)
        options: AuthOptions = app.state.auth_options
        lines = [
            "",
            "authsession demo",
            f"  open          {site_url.rstrip('/')}/",
            f"  database      {db_path.resolve()} (users, password hashes, sessions, email tokens)",
            f"  demo account  email: {DEMO_ACCOUNT.email}   password: {DEMO_ACCOUNT.password}",
        ]
        email = next((p for p in options.providers if isinstance(p, EmailProvider)), None)
        if email is not None and email.server is not None:
            server = email.server
            lines.append(f"  email links   mailed through {server.host}:{server.port} from {email.from_address}")
        elif email is not None:
            lines.append(
                "  email links   printed in this console: sign-in, sign-up, password reset (SMTP_URL mails them)"
            )
        if local is not None:
            lines.append(f"  local OIDC    login: {local_oidc.LOGIN}   password: anything   (provider {local.issuer})")
        if generated:
            lines.append("  note          AUTH_SECRET is not set: a random secret, so email links end on restart")
        if workers > 1:
            lines.append(f"  workers       {workers}{_rate_limit_note()}")
        lines += [f"  providers     {', '.join(p.name for p in options.providers)}", ""]
        print("\n".join(lines), flush=True)
        serve: dict[str, Any] = {"host": host, "port": port, "access_log": os.environ.get("DEMO_ACCESS_LOG") == "1"}
        if workers == 1:
            # asyncio's own loop, not uvloop (uvicorn's pick when it is installed): one worker under
            # a saturating load, uvloop served some connections far later than others, p99 up to
            # 7x p50 even for an app answering a constant string, where asyncio's loop stays
            # within 1.5x (docs/performance.md, "The tail at 50 connections"). Not for workers:
            # uvicorn makes their shared socket without IPPROTO_TCP, so asyncio's loop does not
            # set TCP_NODELAY on the connections they accept, and every response waited 40 ms
            # for the client's delayed ACK; uvloop sets it on every TCP connection.
            uvicorn.run(app, loop="asyncio", **serve)
            return
        # The tables and the demo account are made here once, not by workers racing on a new file.
        asyncio.run(_start_up_once(app))
        os.environ.update(AUTH_SECRET=secret, AUTH_URL=site_url, DEMO_DB=str(db_path))
        if local is not None:
            os.environ.update(local.environment())
        target = "examples.demo.app:worker_app"
        uvicorn.run(target, factory=True, workers=workers, **serve)
    finally:
        if local is not None:
            local.stop()


async def _start_up_once(app: FastAPI) -> None:
    try:
        await app.state.start_up()
    finally:
        await app.state.adapter.close()


def _rate_limit_note(environ: Mapping[str, str] = os.environ) -> str:
    # Without Redis, each worker counts sign-in attempts in its own memory.
    if environ.get("RATE_LIMIT_REDIS_URL"):
        return " (sign-in rate limits shared in Redis)"
    return " (sign-in rate limits are counted per worker: set RATE_LIMIT_REDIS_URL to share them)"


def _exit_on_sigterm(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
