"""The one entry point of the core: ``handle(AuthRequest, AuthOptions) -> AuthResponse``.

It parses ``<base_path>/<action>[/<provider>]``, builds the request context (CSRF token,
callbackUrl), dispatches on ``(method, action)`` and turns every error into NextAuth's answer
for the configured format. Nothing here does I/O except through user callbacks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from authsession._core.actions import (
    callback,
    csrf,
    error,
    log,
    password,
    providers,
    session,
    sessions,
    signin,
    signout,
    two_factor,
    verify_request,
    webauthn_options,
)
from authsession._core.config import Dialect
from authsession._core.context import (
    CallbackUrlInRequest,
    Context,
    CoreOptions,
    bad_request,
    build_context,
    init_callback_url,
    init_csrf,
)
from authsession._core.http import AuthRequest, AuthResponse, split_url
from authsession._core.limits import log_safe
from authsession._core.pages import render_error
from authsession.errors import (
    AuthError,
    ConfigurationError,
    CredentialsSignin,
    InvalidCallbackUrl,
    MissingSecret,
    UnknownAction,
)

logger = logging.getLogger("authsession")

Action = Callable[[Context], Awaitable[AuthResponse]]

ROUTES: dict[tuple[str, str], Action] = {
    ("GET", "providers"): providers.get,
    ("GET", "csrf"): csrf.get,
    ("GET", "session"): session.get,
    ("POST", "session"): session.post,
    ("GET", "signin"): signin.get,
    ("POST", "signin"): signin.post,
    ("GET", "callback"): callback.handle,
    ("POST", "callback"): callback.handle,
    ("GET", "signout"): signout.get,
    ("POST", "signout"): signout.post,
    ("GET", "error"): error.get,
    ("GET", "verify-request"): verify_request.get,
    ("POST", "_log"): log.post,
    ("GET", "webauthn-options"): webauthn_options.get,
    # authsession's own, routed only with their options: see EXTENSION_ACTIONS below.
    ("GET", "two-factor"): two_factor.handle,
    ("POST", "two-factor"): two_factor.handle,
    ("GET", "sessions"): sessions.handle,
    ("POST", "sessions"): sessions.handle,
    ("GET", "password"): password.handle,
    ("POST", "password"): password.handle,
}
V5_ACTIONS = frozenset(action for _, action in ROUTES) - {"_log"}
V4_ACTIONS = (V5_ACTIONS - {"webauthn-options"}) | {"_log"}
# Actions whose GET renders a page, so a configuration error shows the error page, not JSON.
HTML_ACTIONS = frozenset({"signin", "signout", "error", "verify-request", "two-factor", "sessions", "password"})
FAILED_ASSERTIONS = (InvalidCallbackUrl, MissingSecret)
PROVIDER_ACTIONS = frozenset({"signin", "callback", "webauthn-options", "two-factor", "password"})
#: authsession's own actions, routed only when the option named beside each is set.
EXTENSION_ACTIONS = {"two-factor": "two_factor", "sessions": "session_management", "password": "password_provider"}


def parse_action(path: str, base_path: str) -> tuple[str, str | None] | None:
    """``(action, provider_id)`` of a path under ``base_path``, or ``None`` if it is not one."""
    if not path.startswith(base_path + "/"):
        return None
    segments = path[len(base_path) + 1 :].split("/")
    if len(segments) == 1 or (len(segments) == 2 and segments[1] == ""):
        return segments[0], None
    if len(segments) == 2 or (len(segments) == 3 and segments[2] == ""):
        return segments[0], segments[1]
    return None


async def handle(request: AuthRequest, options: CoreOptions, *, now: float | None = None) -> AuthResponse:
    """Answer one request to the auth API the way NextAuth (``v4``) or Auth.js (``v5``) would."""
    method = request.method.upper()
    path = split_url(request.url)[1]
    parsed = parse_action(path, options.base_path)
    dialect = options.dialect
    v4 = dialect.v4
    known = V4_ACTIONS if v4 else V5_ACTIONS
    if (
        parsed is None
        or parsed[0] not in known
        or (parsed[0] in EXTENSION_ACTIONS and getattr(options, EXTENSION_ACTIONS[parsed[0]]) is None)
        or (not v4 and parsed[1] is not None and parsed[0] not in PROVIDER_ACTIONS)
    ):
        logger.info("Unknown auth route %s %s", log_safe(method, 20), log_safe(path, 200))
        return bad_request(method, dialect)
    action, provider_id = parsed
    route = ROUTES.get((method, action))
    if route is None and (v4 or method not in ("GET", "POST")):
        return bad_request(method, dialect)
    try:
        ctx = build_context(request, options, action, provider_id, now)
    except ConfigurationError as exc:
        logger.error("%s: %s", exc.type, str(exc))
        return config_error_json(dialect)
    try:
        if route is None or (not v4 and action == "signin" and method == "GET" and provider_id):
            raise UnknownAction(f"Cannot handle {method} {action}" + (f"/{provider_id}" if provider_id else ""))
        init_csrf(ctx)
        await init_callback_url(ctx)
        return await route(ctx)
    except AuthError as exc:
        return on_error(ctx, exc, method)
    except Exception as exc:
        logger.exception("Unexpected error in %s %s", method, action)
        return on_error(ctx, ConfigurationError(str(exc)), method)


def config_error_json(dialect: Dialect, *, status: int = 500) -> AuthResponse:
    body = json.dumps({"message": dialect.server_error_message})
    return AuthResponse(status=status, body=body, headers={"Content-Type": "application/json"})


def on_error(ctx: Context, exc: AuthError, method: str) -> AuthResponse:
    """NextAuth's answer to an error: sign-in errors go to the sign-in page, others to the
    error page as ``Configuration`` unless allowlisted. The browser never sees details."""
    if isinstance(exc, CallbackUrlInRequest):
        logger.warning("%s: %s", exc.type, str(exc))
    elif isinstance(exc, ConfigurationError | UnknownAction):
        logger.error("%s: %s", exc.type, str(exc))
    else:
        logger.info("%s: %s", exc.type, str(exc))
    assertion = isinstance(exc, FAILED_ASSERTIONS)
    if assertion or not ctx.dialect.keeps_cookies_on_error:
        # @auth/core 0.41.3 answers errors with a fresh Response, so no Set-Cookie at all (checked
        # against the npm package): a v5 MissingCSRF redirect mints no CSRF cookie; the page does.
        # next-auth 4 checks these assertions before it makes any cookie.
        ctx.response_cookies.clear()
    if ctx.action == "session" and method == "POST":
        return ctx.json(ctx.dialect.empty_session(), status=400)
    # Assertion failures (and any v4 server error) answer JSON 500 except on a GET of a page.
    server_error = assertion or (ctx.v4 and isinstance(exc, ConfigurationError))
    # NextAuth's body, but 400 when the request itself was the fault: bad input is never a 500.
    bad_input = isinstance(exc, CallbackUrlInRequest)
    if server_error and (method == "POST" or ctx.action not in HTML_ACTIONS):
        return ctx.respond(config_error_json(ctx.dialect, status=400 if bad_input else 500))
    if assertion and ctx.options.pages.error is None:
        # The built-in error page would fail the same assertion (a bad callback-url cookie
        # goes with every request), so a redirect there would loop: render it here.
        status, html = render_error(
            error="Configuration",
            signin_url=ctx.url("signin"),
            site_url=ctx.origin,
            theme=ctx.options.theme,
            format=ctx.options.format,
        )
        return ctx.html(html, status=400 if bad_input else status)
    code = exc.client_type
    if exc.kind == "signin":
        extra = {"code": exc.code} if isinstance(exc, CredentialsSignin) else {}
        url = ctx.page_url(ctx.options.pages.sign_in, "signin", error=code, **extra)
    else:
        url = ctx.page_url(ctx.options.pages.error, "error", error=code)
    return ctx.redirect(url)
