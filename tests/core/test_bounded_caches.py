"""Nothing attacker-sized is cached (issue 9 item 1).

These measure with ``tracemalloc`` what many distinct oversized inputs leave behind, through
names that existed before the bounds did, so they hold whatever the caches are called: a cache
keyed by request data fails them.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable

import pytest

from authsession import jwt
from authsession._core.callback_url import default_redirect, is_http_url, origin_of
from authsession._core.jwe import b64url_encode
from authsession.types import Format
from helpers import ORIGIN, SECRET, CoreClient, make_options

pytestmark = pytest.mark.usefixtures("clean_auth_env")

KB = 1024
MB = 1024 * KB


def retained_after(calls: int, call: Callable[[int], object]) -> int:
    """Bytes still allocated after ``call(i)`` for ``i`` in ``range(calls)`` (inputs are freed)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(calls):
            call(i)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def long_url(i: int) -> str:
    return f"{ORIGIN}/{i}/" + "x" * (100 * KB)


@pytest.mark.parametrize(
    "call",
    [
        lambda i: origin_of(long_url(i)),
        lambda i: default_redirect(long_url(i), ORIGIN),
        lambda i: is_http_url(long_url(i), ORIGIN + "/api/auth"),
    ],
    ids=["origin_of", "default_redirect", "is_http_url"],
)
def test_long_callback_urls_leave_nothing_behind(call: Callable[[int], object]) -> None:
    # 300 x 100 KB: a cache that keeps them holds 25 MB or more.
    assert retained_after(300, call) < 1 * MB


async def test_long_callback_url_in_a_post_body_is_not_kept(format: str) -> None:
    client = CoreClient(make_options(format=format))
    await client.request("GET", "csrf")

    async def post(i: int) -> None:
        # No CSRF token: callbackUrl is resolved before the action refuses the POST.
        response = await client.request("POST", "signout", body={"callbackUrl": long_url(i)})
        assert response.redirect is not None
        assert len(response.redirect) < 200

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(100):
            await post(i)
        gc.collect()
        assert tracemalloc.get_traced_memory()[0] - before < 1 * MB
    finally:
        tracemalloc.stop()


def forged_token(i: int, padding: int) -> str:
    header = {"alg": "dir", "enc": "A256GCM", "x": f"{i}" + "y" * padding}
    protected = b64url_encode(json.dumps(header).encode())
    return ".".join((protected, "", b64url_encode(b"\0" * 12), b64url_encode(b"data"), b64url_encode(b"\0" * 16)))


@pytest.mark.parametrize("format", ["v4", "v5"])
def test_forged_jwe_headers_leave_nothing_behind(format: Format) -> None:
    def decode(i: int) -> None:
        assert jwt.decode(token=forged_token(i, 40 * KB), secret=SECRET, format=format) is None

    assert retained_after(300, decode) < 1 * MB


async def test_an_oversized_session_cookie_is_no_session(format: str) -> None:
    client = CoreClient(make_options(format=format))
    await client.sign_in()
    assert client.jar is not None
    name = client.session_cookie_names()[0]
    client.jar[name] = client.jar[name] + "A" * (70 * KB)
    response = await client.request("GET", "session")
    assert response.status == 200
    assert json.loads(response.body) in ({}, None)
