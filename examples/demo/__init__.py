"""The authsession demo: sign-up, sign-in and server-side session pages on FastAPI.

Run it with ``python -m examples.demo``; build it in tests with :func:`create_app`.
"""

from .app import create_app, main

__all__ = ["create_app", "main"]
