"""The demo app: the seed's Next.js pages, in Python, on FastAPI with authsession.

Each page asks for the session on the server before it renders. ``create_app`` builds the
app (tests call it with a temporary database); ``main`` runs it with uvicorn.
"""

# No `from __future__ import annotations` here: FastAPI reads the routes' Annotated[..., Depends(auth...)]
# at runtime, and `auth` is a local of create_app that a string annotation could not resolve.
import hmac
import logging
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

import authsession.providers
from authsession import AuthOptions, Session, User, get_server_session
from authsession.integrations.fastapi import AuthSession
from authsession.integrations.starlette import get_csrf_token
from authsession.providers import Credentials, Provider

from . import local_oidc, templates
from .users import MAX_PASSWORD_LENGTH, EmailTaken, UserStore, sign_up_problems

logger = logging.getLogger("examples.demo")

DEFAULT_DB_PATH = Path("demo.sqlite3")


@dataclass(frozen=True, slots=True)
class DemoAccount:
    name: str
    email: str
    password: str


#: Created at start-up when missing, so there is always someone to sign in as. A demo only:
#: never seed a known password in a real deployment.
DEMO_ACCOUNT = DemoAccount(name="Demo User", email="demo@example.com", password="demo-password")

# Messages for the `error` codes authsession sends to the sign-in page; the raw code is never shown.
LOGIN_ERRORS = {
    "CredentialsSignin": "Sign-in failed. Check your email and password and try again.",
    "MissingCSRF": "Your sign-in form had expired. Please try again.",
    "AccessDenied": "You are not allowed to sign in.",
    "OAuthAccountNotLinked": "This email is already used with another sign-in method. Sign in the way you did before.",
    "SessionRequired": "Please sign in to view that page.",
}
LOGIN_ERROR_DEFAULT = "Sign-in did not work. Please try again."

# Pages show per-user content: keep them out of shared caches, and out of frames.
PAGE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


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
) -> FastAPI:
    """The demo app, with users in the SQLite file at ``db_path``.

    ``secret`` defaults to ``AUTH_SECRET``, else a random one (sessions then end with the
    process). ``oauth_providers`` defaults to :func:`oauth_providers_from_env`.
    """
    if secret is None:
        secret, generated = resolve_secret()
        if generated:
            logger.warning("AUTH_SECRET is not set: using a random secret; sessions will not survive a restart")
    users = UserStore(db_path)
    if seed_account is not None:
        users.ensure(name=seed_account.name, email=seed_account.email, password=seed_account.password)

    def authorize(credentials: dict[str, Any], request: object) -> User | None:
        # Sync, so authsession runs it in a worker thread: argon2 is deliberately slow.
        email, password = credentials.get("email"), credentials.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            return None
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        user = users.authenticate(email, password)
        return User(id=user.id, name=user.name, email=user.email) if user else None

    credentials = Credentials(
        authorize=authorize,
        credentials={
            "email": {"label": "Email", "type": "email", "required": True},
            "password": {"label": "Password", "type": "password", "required": True},
        },
    )
    extra = oauth_providers_from_env() if oauth_providers is None else list(oauth_providers)
    auth_options = AuthOptions(
        secret=secret,
        providers=[credentials, *extra],
        session={"strategy": "jwt"},
        pages={"sign_in": "/login"},
    )

    app = FastAPI(title="authsession demo", docs_url=None, redoc_url=None, openapi_url=None)
    auth = AuthSession(app, auth_options)
    app.state.auth_options = auth_options
    app.state.users = users
    base_path = auth_options.base_path
    oauth_buttons = [templates.OAuthButton(p.id, p.name) for p in auth_options.providers if p.type != "credentials"]

    @app.get("/")
    async def home(
        session: Annotated[Session | None, Depends(auth.session)],
        csrf_token: Annotated[str, Depends(auth.csrf_token)],
    ) -> HTMLResponse:
        user = session["user"] if session else None
        return page(templates.home_page(user, base_path=base_path, csrf_token=csrf_token))

    @app.get("/profile")
    async def profile(request: Request, response: Response) -> HTMLResponse:
        session = await get_server_session(request, response, auth_options)
        return page(templates.profile_page(session["user"] if session else None))

    @app.get("/dashboard")
    async def dashboard(
        session: Annotated[Session, Depends(auth.require_session(redirect_to="/login"))],
    ) -> HTMLResponse:
        return page(templates.dashboard_page(session["user"], expires=session["expires"]))

    @app.get("/api/me")
    async def me(session: Annotated[Session | None, Depends(auth.session)]) -> JSONResponse:
        email = session["user"].get("email") if session else None
        return JSONResponse({"userEmail": email}, headers={"Cache-Control": "private, no-store"})

    @app.get("/login")
    async def login(request: Request, csrf_token: Annotated[str, Depends(auth.csrf_token)]) -> HTMLResponse:
        error = request.query_params.get("error")
        html = templates.login_page(
            base_path=base_path,
            csrf_token=csrf_token,
            callback_url=same_site_path(request.query_params.get("callbackUrl"), request),
            error_message=LOGIN_ERRORS.get(error, LOGIN_ERROR_DEFAULT) if error else None,
            registered=request.query_params.get("registered") == "1",
            oauth=oauth_buttons,
        )
        return page(html)

    @app.get("/signup")
    async def signup_form(csrf_token: Annotated[str, Depends(auth.csrf_token)]) -> HTMLResponse:
        return page(templates.signup_page(csrf_token=csrf_token))

    @app.post("/signup", response_model=None)
    async def signup(request: Request) -> HTMLResponse | RedirectResponse:
        form = await request.form()
        fields = {key: value if isinstance(value := form.get(key), str) else "" for key in _SIGNUP_FIELDS}
        # The double-submit check authsession uses: the posted token must match the CSRF cookie's.
        expected = await get_csrf_token(request, None, auth_options)
        if not hmac.compare_digest(fields["csrfToken"].encode(), expected.encode()):
            problems = ["Your form had expired. Please submit it again."]
            html = templates.signup_page(csrf_token=expected, name=fields["name"], problems=problems)
            return page(html, status_code=403)
        name, email, password = fields["name"], fields["email"], fields["password"]
        problems = sign_up_problems(name, email, password, fields["confirm"])
        if not problems:
            try:
                await run_in_threadpool(users.create, name=name, email=email, password=password)
            except EmailTaken:
                problems = ["An account with this email already exists. Sign in instead."]
        if problems:
            html = templates.signup_page(csrf_token=expected, name=name, email=email, problems=problems)
            return page(html, status_code=400)
        return RedirectResponse("/login?registered=1", status_code=303)

    return app


_SIGNUP_FIELDS = ("csrfToken", "name", "email", "password", "confirm")


def main() -> None:
    """Run the demo with uvicorn on ``HOST``:``PORT`` (default 127.0.0.1:8000)."""
    import uvicorn

    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        sys.exit(f"PORT must be a number, not {os.environ['PORT']!r}")
    db_path = Path(os.environ.get("DEMO_DB", DEFAULT_DB_PATH))
    secret, generated = resolve_secret()
    # With Node.js, a real OpenID Provider runs beside the demo until it stops (Ctrl-C included).
    local = local_oidc.start_for_demo(host, port)
    try:
        oauth_providers = oauth_providers_from_env()
        if local is not None:
            oauth_providers.append(local.provider())
        app = create_app(db_path, secret=secret, oauth_providers=oauth_providers)
        shown_host = f"[{host}]" if ":" in host else host
        lines = [
            "",
            "authsession demo",
            f"  open          http://{shown_host}:{port}/",
            f"  users in      {db_path.resolve()}",
            f"  demo account  email: {DEMO_ACCOUNT.email}   password: {DEMO_ACCOUNT.password}",
        ]
        if local is not None:
            lines.append(f"  local OIDC    login: {local_oidc.LOGIN}   password: anything   (provider {local.issuer})")
        if generated:
            lines.append("  note          AUTH_SECRET is not set: using a random secret, so sessions end on restart")
        providers = [p.name for p in app.state.auth_options.providers]
        lines += [f"  providers     {', '.join(providers)}", ""]
        print("\n".join(lines), flush=True)
        uvicorn.run(app, host=host, port=port)
    finally:
        if local is not None:
            local.stop()


if __name__ == "__main__":
    main()
