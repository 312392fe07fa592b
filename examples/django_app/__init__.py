"""The seed's pages on Django: a profile page, a protected dashboard and ``/api/me``.

Run it from the repository root, with the ``django`` extra installed::

    python -m examples.django_app runserver

(``python -m examples.django_app`` is this project's ``manage.py``; under a production server
use ``examples.django_app.wsgi:application`` or ``examples.django_app.asgi:application``.)
Sign in at http://127.0.0.1:8000/login as ``demo@example.com`` / ``demo-password`` (or the
``DEMO_EMAIL`` / ``DEMO_PASSWORD`` you set). Set ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and
``OIDC_CLIENT_SECRET`` to offer an OpenID Connect provider as well (its callback URL is
``<site>/api/auth/callback/oidc``). Sessions are JWTs in a cookie, so there is no database.
Without ``AUTH_SECRET`` a random secret is made at start-up and every session ends with the
process.
"""
