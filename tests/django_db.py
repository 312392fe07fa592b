"""Django databases for the Django ORM adapter's tests: point an alias of
:func:`helpers.configure_django` at a database, migrate it, run SQL on it (fixtures in conftest)."""

from __future__ import annotations

from typing import Any


def migrate(alias: str) -> None:
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", "authsession_adapter", database=alias, verbosity=0)
    connections[alias].close()


def point(alias: str, name: str) -> None:
    """Point ``alias`` at the database ``name`` (connections opened later use it)."""
    from django.db import connections

    connections[alias].close()
    connections[alias].settings_dict["NAME"] = name


def run_sql(alias: str, statement: str) -> list[tuple[Any, ...]]:
    from django.db import connections, transaction

    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute(statement)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        connections[alias].close()
