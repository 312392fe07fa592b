"""``reads_without_waiting``: which session reads a sync face may run without an event loop."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from authsession._core.server_session import reads_without_waiting
from authsession.adapters import MemoryAdapter
from authsession.providers import Email
from helpers import make_options


def plain(**kwargs: Any) -> Any:
    return kwargs.get("token")


async def asynchronous(**kwargs: Any) -> Any:
    return kwargs.get("token")


class Callable:
    def __call__(self, **kwargs: Any) -> Any:
        return kwargs.get("token")


def encode(**kwargs: Any) -> str:
    return "token"


async def aencode(**kwargs: Any) -> str:
    return "token"


@pytest.mark.usefixtures("clean_auth_env")
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, True),
        ({"callbacks": {"jwt": plain, "session": plain, "redirect": plain}}, True),
        ({"jwt": {"encode": encode}}, True),
        ({"callbacks": {"jwt": asynchronous}}, False),
        ({"callbacks": {"session": asynchronous}}, False),
        ({"callbacks": {"redirect": asynchronous}}, True),  # a session read resolves no callback URL
        ({"jwt": {"encode": aencode}}, False),
        ({"jwt": {"decode": aencode}}, False),
        # Either may hand back an awaitable, which could wait: the bridge is the safe side.
        ({"callbacks": {"jwt": Callable()}}, False),
        ({"callbacks": {"jwt": functools.partial(plain)}}, False),
        # Events run in a worker thread.
        ({"events": {"session": plain}}, False),
        ({"events": {"sign_in": plain}}, True),
        ({"callbacks": {"sign_in": asynchronous}}, True),
        (
            {
                "adapter": MemoryAdapter(),
                "session": {"strategy": "database"},
                "providers": [Email(send_verification_request=plain)],
                "url": "http://localhost:8000",
            },
            False,
        ),
    ],
)
def test_reads_without_waiting(overrides: dict[str, Any], expected: bool) -> None:
    assert reads_without_waiting(make_options(**overrides)) is expected
