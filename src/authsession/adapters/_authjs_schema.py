"""What the SQL adapters (SQLAlchemy, Django ORM) share of the Auth.js SQL schema.

The schema's ids are ``SERIAL`` integers while the adapter protocol's ids are strings; the DDL
lives in ``sql/`` beside this module (PostgreSQL; SQLite in ``sql/sqlite/``), one file per step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

#: The user columns a record may set (``id`` is the database's).
USER_FIELDS = ("name", "email", "emailVerified", "image")
#: The account columns besides ``id`` and ``userId``; other keys a provider returns are dropped.
ACCOUNT_FIELDS = (
    "type",
    "provider",
    "providerAccountId",
    "refresh_token",
    "access_token",
    "expires_at",
    "id_token",
    "scope",
    "session_state",
    "token_type",
)

_INT4_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
_COMMENT = re.compile(r"--[^\n]*")


def int_id(value: object) -> int | None:
    """The integer primary key for a protocol id, or None if no row can have it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= _INT4_MAX else None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
        return number if 0 < number <= _INT4_MAX else None
    return None


def pick(record: Mapping[str, object], keys: tuple[str, ...]) -> dict[str, Any]:
    """The columns present in ``record`` (absent keys keep the column's current value/default)."""
    return {key: record[key] for key in keys if key in record}


def ddl_statements(name: str) -> list[str]:
    """The statements of ``sql/<name>``, comments removed (drivers that run one at a time)."""
    text = _COMMENT.sub("", files("authsession.adapters").joinpath("sql", *name.split("/")).read_text())
    return [statement.strip() for statement in text.split(";") if statement.strip()]
