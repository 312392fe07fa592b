"""Session strategies: how a signed-in user is remembered between requests.

A strategy reads the session from the request's cookies, creates one at sign-in and destroys
it at sign-out, writing its cookies through the request :class:`~authsession._core.context.Context`.
``AuthOptions`` picks one when it is built (``session={"strategy": "jwt" | "database"}``).
"""

from authsession._core.context import SessionStrategy
from authsession.sessions.database import DATABASE_STRATEGY, DatabaseSessionStrategy
from authsession.sessions.jwt import JWT_STRATEGY, JWTSessionStrategy

__all__ = ["DATABASE_STRATEGY", "JWT_STRATEGY", "DatabaseSessionStrategy", "JWTSessionStrategy", "SessionStrategy"]
