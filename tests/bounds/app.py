"""``uvicorn --factory tests.bounds.app:create_app``: the small app the boundedness tests attack.

Auth.js 5 format, JWT sessions, one credentials provider and a page that reads the session:
every route the attacks in ``test_uvicorn_bounds.py`` aim at. ``BOUNDS_SECRET`` is the secret.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from authsession import AuthOptions, get_server_session
from authsession.integrations.starlette import install
from authsession.providers import Credentials


def create_app() -> Starlette:
    options = AuthOptions(
        secret=os.environ["BOUNDS_SECRET"],
        providers=[Credentials(authorize=lambda credentials: None)],
        format="v5",
    )

    async def me(request: Request) -> Response:
        return JSONResponse({"session": await get_server_session(request, None, options)})

    app = Starlette(routes=[Route("/me", me)])
    install(app, options)
    return app
