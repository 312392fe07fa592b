"""Django ORM adapter: users, accounts and database sessions in your Django database.

Add the app and migrate; the tables are the Auth.js SQL schema, the ones ``@auth/pg-adapter``
and :class:`~authsession.adapters.sqlalchemy.SQLAlchemyAdapter` use, so a Next.js app can share
them::

    INSTALLED_APPS = [..., "authsession.adapters.django"]

    python manage.py migrate authsession_adapter

Then ``AuthOptions(adapter=DjangoAdapter())``. The models are in
:mod:`authsession.adapters.django.models`. Requires ``pip install authsession[django]`` and a
database driver for Django (``psycopg`` for PostgreSQL).
"""

from __future__ import annotations

try:
    import django  # noqa: F401 (only to fail early with the extra to install)
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("DjangoAdapter needs Django: pip install authsession[django]") from exc

from authsession.adapters.django.adapter import DjangoAdapter

__all__ = ["DjangoAdapter"]
