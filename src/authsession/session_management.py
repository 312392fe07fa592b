""" "Your sessions" and sign-out everywhere, beyond what NextAuth offers.

``AuthOptions(session_management=SessionManagement(...), adapter=...)`` adds the page
``<base>/sessions`` (each session of the signed-in user, with a button to end it, and "Sign out
everywhere else") and the functions ``list_user_sessions`` / ``end_sessions`` in each integration
(``auth.list_sessions`` / ``auth.end_sessions`` in FastAPI). With database sessions every
session is a row: it can be listed and ended one by one. JWT sessions live in the browsers:
with ``SessionManagement(revoke_jwt=True)`` they can be ended as a group, through a per-user
session generation checked on each read (see :class:`SessionManagement`).

The storage is the adapter's (:class:`authsession.adapters.SessionManagementAdapter`); the Auth.js
``sessions`` table is unchanged, so a database shared with ``@auth/pg-adapter`` stays shared.
"""

from authsession._core.session_management import GENERATION_CLAIM, SessionManagement

__all__ = ["GENERATION_CLAIM", "SessionManagement"]
