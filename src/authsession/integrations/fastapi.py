"""FastAPI integration: one line mounts ``/api/auth/*``; dependencies give the session.

::

    auth = AuthSession(app, auth_options)

    @app.get("/dashboard")
    async def dashboard(session: Session = Depends(auth.require_session())): ...

    @app.get("/api/me")
    async def me(session: Session | None = Depends(auth.session)): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import HTTPException, Response, WebSocketException, status
from starlette.requests import HTTPConnection

from authsession._core.limits import DEFAULT_MAX_BODY_SIZE, MAX_URL_LENGTH
from authsession.integrations.starlette import (
    end_sessions,
    get_csrf_token,
    get_server_session,
    has_second_factor,
    install,
    list_user_sessions,
    update_server_session,
)
from authsession.options import AuthOptions
from authsession.types import Session


class AuthSession:
    """Mount the auth API on ``app`` and offer session dependencies.

    ``max_body_size`` caps a POST body to the auth routes (default 64 KiB, answered 413 above).

    Security: :meth:`require_session` only checks that *someone* is signed in. Check roles
    or ownership yourself, from the session the dependency returns.
    """

    def __init__(self, app: Any, options: AuthOptions, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
        self.options = options
        install(app, options, max_body_size=max_body_size)

    async def session(self, request: HTTPConnection, response: Response) -> Session | None:
        """Dependency: the session, or ``None`` for an anonymous visitor. Works on WebSocket
        routes too (the handshake's cookies; nothing is refreshed there)."""
        return await get_server_session(request, response, self.options)

    async def update_session(self, request: HTTPConnection, response: Response, data: Any) -> Session | None:
        """Change the session from a view (Auth.js 5's ``unstable_update``); see
        :func:`authsession.integrations.starlette.update_server_session`."""
        return await update_server_session(request, response, self.options, data)

    async def list_sessions(self, request: HTTPConnection) -> list[dict[str, Any]] | None:
        """The signed-in user's sessions; see :func:`authsession.integrations.starlette.list_user_sessions`."""
        return await list_user_sessions(request, self.options)

    async def end_sessions(
        self,
        request: HTTPConnection,
        response: Response,
        which: Literal["one", "others", "all"] = "others",
        session_id: str | None = None,
    ) -> int | None:
        """End sessions of the signed-in user; see :func:`authsession.integrations.starlette.end_sessions`."""
        return await end_sessions(request, response, self.options, which, session_id)

    async def csrf_token(self, request: HTTPConnection, response: Response) -> str:
        """Dependency: a CSRF token for your own sign-in or sign-out form."""
        return await get_csrf_token(request, response, self.options)

    def require_session(
        self, *, redirect_to: str | None = None, second_factor: bool = False
    ) -> Callable[..., Awaitable[Session]]:
        """Dependency factory: the session, or stop the request.

        Browsers (``Accept: text/html``) get a 307 to ``redirect_to`` with ``callbackUrl`` set to
        the page they asked for; the default is ``<base_path>/signin``, which remembers
        ``callbackUrl`` and shows your ``pages.sign_in`` or the built-in page. API clients get
        401 JSON. The Python form of NextAuth's
        ``return { redirect: { destination: '/login', permanent: false } }``. On a WebSocket
        route the handshake is refused (close code 1008) instead.

        ``second_factor=True`` (with ``AuthOptions(two_factor=...)``) also wants a session that
        passed a two-factor code: browsers go to ``<base_path>/two-factor`` (or its enrolment
        page, for a user who has none yet) and come back; API clients get 403.
        """
        options = self.options
        # By default through the auth API's sign-in route: it stores callbackUrl in its cookie
        # before sending the browser on to pages.sign_in, so a mistyped password does not lose it.
        target = redirect_to or f"{options.base_path}/signin"
        if second_factor and options.two_factor is None:
            raise ValueError("require_session(second_factor=True) needs AuthOptions(two_factor=...)")

        async def dependency(request: HTTPConnection, response: Response) -> Session:
            session = await get_server_session(request, response, options)
            if session is not None and (not second_factor or await has_second_factor(request, options)):
                return session
            if request.scope["type"] == "websocket":
                # Refuses the handshake (403 to the client); after accept() it would close with 1008.
                raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="Sign in required")
            browser = "text/html" in request.headers.get("accept", "")
            if session is not None:
                if not browser:
                    raise HTTPException(status_code=403, detail="Second factor required")
                raise HTTPException(
                    status_code=307,
                    detail="Second factor required",
                    headers={"Location": _with_callback(f"{options.base_path}/two-factor", request)},
                )
            if browser:
                location = _with_callback(target, request)
                raise HTTPException(status_code=307, detail="Sign in required", headers={"Location": location})
            raise HTTPException(status_code=401, detail="Not authenticated")

        return dependency


def _with_callback(target: str, request: HTTPConnection) -> str:
    scope = request.scope
    if len(scope["path"]) + len(scope.get("query_string", b"")) > MAX_URL_LENGTH:
        # Too long to come back to (the callback-url cookie could not hold it), and request.url
        # would hand the whole of it to urlsplit's cache.
        return target
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{target}{'&' if '?' in target else '?'}{urlencode({'callbackUrl': here})}"


__all__ = ["AuthSession", "get_csrf_token", "get_server_session", "update_server_session"]
