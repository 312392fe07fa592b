"""``uvicorn --factory ratelimit.worker_app:create_app --workers 2``: a credentials sign-in whose
failures are counted in Redis (``RATELIMIT_REDIS_URL``, keys under ``RATELIMIT_PREFIX``). Every
response names the worker process that served it (``X-Worker-Pid``)."""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authsession import AuthOptions
from authsession.integrations.starlette import install
from authsession.providers import Credentials
from authsession.ratelimit import Limit, RateLimits, RedisRateLimitStore

#: Failed sign-ins one account may have in a minute, across every worker.
LIMIT = 5


def authorize(credentials: dict[str, Any], request: object) -> None:
    return None  # every attempt fails: the attacker guesses


class WorkerPid:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pid = str(os.getpid()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-worker-pid", self.pid)]}
            await send(message)

        await self.app(scope, receive, send_with_pid)


def create_app() -> ASGIApp:
    store = RedisRateLimitStore(os.environ["RATELIMIT_REDIS_URL"], prefix=os.environ["RATELIMIT_PREFIX"])
    options = AuthOptions(
        secret="ratelimit-workers-test-secret-0123456789",
        url="http://127.0.0.1",
        providers=[Credentials(authorize=authorize, credentials={"email": {}, "password": {}})],
        rate_limits=RateLimits(
            store=store, failed_credentials_per_identifier=Limit(LIMIT, 60), failed_credentials_per_ip=None
        ),
    )
    app = Starlette()
    install(app, options)
    return WorkerPid(app)
