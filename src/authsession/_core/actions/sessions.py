"""``GET|POST <base>/sessions``: "Your sessions" (authsession's; routed with ``session_management``).

``GET`` shows the signed-in user's sessions (JSON ``{"sessions": [...]}`` for a client that sends
``Accept: application/json``). ``POST`` with the CSRF token and ``revoke`` = a session's ``id``,
``others`` or ``all`` ends them, then shows the page again (or, for ``all``, goes to the sign-in
page); a client that asked for JSON gets ``{"ended": n}`` (``-1`` for JWT sessions, ended as a
group) or ``{"error": CODE}``: ``MissingCSRF`` (403), ``SessionRequired`` (401),
``Unsupported`` (400).
"""

from __future__ import annotations

import logging

from authsession._core import session_management
from authsession._core.context import Context
from authsession._core.http import AuthResponse
from authsession._core.pages.sessions import render_sessions
from authsession.types import User

logger = logging.getLogger("authsession")

_MAX_ID_LENGTH = 64


def _wants_json(ctx: Context) -> bool:
    return ctx.json_mode or "application/json" in ctx.request.headers.get("accept", "")


async def handle(ctx: Context) -> AuthResponse:
    if ctx.provider_id is not None:
        return ctx.json("Bad request.", status=400)
    user = await ctx.strategy.current_user(ctx)
    if user is None:
        if _wants_json(ctx):
            return ctx.json({"error": "SessionRequired"}, status=401)
        return ctx.redirect(ctx.page_url(ctx.options.pages.sign_in, "signin", callbackUrl=ctx.url("sessions")))
    if ctx.request.method == "POST":
        return await _revoke(ctx, user)
    return await _page(ctx, user, notice=None)


async def _page(ctx: Context, user: User, *, notice: str | None, status: int = 200) -> AuthResponse:
    listed = await session_management.list_sessions(ctx, user)
    if _wants_json(ctx):
        return ctx.json({"sessions": listed}, status=status)
    assert ctx.csrf is not None
    database = ctx.options.session.strategy == "database"
    html = render_sessions(
        sessions=listed,
        csrf_token=ctx.csrf.token,
        action_url=ctx.url("sessions"),
        can_end_one=database,
        can_end_groups=database or session_management.revokes_jwt(ctx),
        notice=notice,
        site_url=ctx.origin,
        theme=ctx.options.theme,
    )
    return ctx.html(html, status=status)


async def _revoke(ctx: Context, user: User) -> AuthResponse:
    if not ctx.csrf_verified:
        if _wants_json(ctx):
            return ctx.json({"error": "MissingCSRF"}, status=403)
        return await _page(ctx, user, notice="The form has expired. Please try again.", status=403)
    target = ctx.body.get("revoke")
    if not isinstance(target, str) or not target or len(target) > _MAX_ID_LENGTH:
        return ctx.json({"error": "Unsupported"}, status=400)
    which: session_management.Revoke = target if target in ("others", "all") else "one"  # type: ignore[assignment]
    database = ctx.options.session.strategy == "database"
    if not database and (which == "one" or not session_management.revokes_jwt(ctx)):
        # A JWT session has no row to end; as a group only with session generations.
        return ctx.json({"error": "Unsupported"}, status=400)
    ended = await session_management.revoke(ctx, user, which, target if which == "one" else None)
    if _wants_json(ctx):
        return ctx.json({"ended": ended})
    if which == "all":
        return ctx.redirect(ctx.page_url(ctx.options.pages.sign_in, "signin"))
    notice = "Signed out of the other sessions." if which == "others" else "That session is signed out."
    return await _page(ctx, user, notice=notice)
