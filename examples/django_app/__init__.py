"""The seed's pages on Django: a profile page, a protected dashboard and ``/api/me``.

Run it from the repository root, with the ``django`` extra installed::

    python -m examples.django_app runserver

(``python -m examples.django_app`` is this project's ``manage.py``; under a production server
use ``examples.django_app.wsgi:application`` or ``examples.django_app.asgi:application``.)
Sign in at http://127.0.0.1:8000/login as ``demo@example.com`` / ``demo-password`` (or the
``DEMO_EMAIL`` / ``DEMO_PASSWORD`` you set). Set ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and
``OIDC_CLIENT_SECRET`` to offer an OpenID Connect provider as well (its callback URL is
``<site>/api/auth/callback/oidc``). Sessions are JWTs in a cookie by default, so there is no
database. Without ``AUTH_SECRET`` a random secret is made at start-up and every session ends
with the process.

``AUTH_FORMAT`` (``v5`` or ``v4``) and ``AUTH_SESSION_STRATEGY`` are read as the FastAPI demo and
the Flask example read them (``examples/session_env.py``). With ``database``, users and sessions
are in the demo's SQLite file ``DEMO_DB`` (default ``./demo.sqlite3``) through
:class:`~authsession.adapters.django.DjangoAdapter`: run ``python -m examples.django_app migrate``
once to make the tables (or adopt the ones the demo made). Set them alike, with one
``AUTH_SECRET``, and the three share sessions.
"""
