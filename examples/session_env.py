"""What the examples read to share their sessions: ``AUTH_FORMAT`` and ``AUTH_SESSION_STRATEGY``.

Give the FastAPI demo and the Flask example the same ``AUTH_SECRET``, ``AUTH_FORMAT`` and
``AUTH_SESSION_STRATEGY`` (and, for ``database``, the same ``DEMO_DB``), and a user signed in on
one is signed in on the other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from authsession.types import Format, SessionStrategyName

_FORMATS: dict[str, Format] = {"v4": "v4", "v5": "v5"}
_STRATEGIES: dict[str, SessionStrategyName] = {"database": "database", "jwt": "jwt"}


def session_from_env(
    default_strategy: SessionStrategyName, environ: Mapping[str, str] = os.environ
) -> tuple[Format, SessionStrategyName]:
    """``AUTH_FORMAT`` (``v5``, the default, or ``v4``) and ``AUTH_SESSION_STRATEGY`` (``jwt`` or
    ``database``; ``default_strategy`` when unset). Raises :class:`ValueError` for anything else."""
    format = _FORMATS.get(environ.get("AUTH_FORMAT") or "v5")
    strategy = _STRATEGIES.get(environ.get("AUTH_SESSION_STRATEGY") or default_strategy)
    if format is None:
        raise ValueError(f"AUTH_FORMAT must be v4 or v5, not {environ['AUTH_FORMAT']!r}")
    if strategy is None:
        raise ValueError(f"AUTH_SESSION_STRATEGY must be jwt or database, not {environ['AUTH_SESSION_STRATEGY']!r}")
    return format, strategy
