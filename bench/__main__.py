"""In-process benchmark of server-side session access, as ratios against a floor run in the
same process: the floor is the bare work any cookie session must do (authenticated AES
decryption plus ``json.loads`` of the same token, key already derived).

    python -m bench [--iterations N]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from authsession import AuthOptions, jwt
from authsession._core import jwe
from authsession._core.cookies import cookie_names
from authsession._core.http import AuthRequest
from authsession._core.server_session import get_session
from bench.asgi import starlette_session_call

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
CLAIMS = {"name": "Ada Lovelace", "email": "ada@example.com", "picture": None, "sub": "1"}


def b64d(part: str) -> bytes:
    return jwe.b64url_decode(part)


def floor_v4(token: str, key: bytes) -> Callable[[], Any]:
    aes = AESGCM(key)

    def run() -> Any:
        protected, _, iv, ct, tag = token.split(".")
        plain = aes.decrypt(b64d(iv), b64d(ct) + b64d(tag), protected.encode())
        return json.loads(plain)

    return run


def floor_v5(token: str, key: bytes) -> Callable[[], Any]:
    mac_key, enc_key = key[:32], key[32:]

    def run() -> Any:
        protected, _, iv_p, ct_p, tag_p = token.split(".")
        aad, iv, ct, tag = protected.encode(), b64d(iv_p), b64d(ct_p), b64d(tag_p)
        al = (len(aad) * 8).to_bytes(8, "big")
        expected = hmac.new(mac_key, aad + iv + ct + al, hashlib.sha512).digest()[:32]
        if not hmac.compare_digest(expected, tag):
            raise ValueError("bad tag")
        decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ct) + decryptor.finalize()
        return json.loads(padded[: -padded[-1]])

    return run


def measure_sync(fn: Callable[[], Any], iterations: int) -> list[float]:
    for _ in range(min(1000, iterations)):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


async def measure_async(fn: Callable[[], Awaitable[Any]], iterations: int) -> list[float]:
    for _ in range(min(1000, iterations)):
        await fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        await fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


async def run(iterations: int) -> list[tuple[str, str, float, float, float]]:
    rows: list[tuple[str, str, float, float, float]] = []
    for fmt in ("v4", "v5"):
        options = AuthOptions(secret=SECRET, format=fmt, url="http://localhost:8000")  # type: ignore[arg-type]
        name = cookie_names(fmt, False).session_token  # type: ignore[arg-type]
        salt = "" if fmt == "v4" else name
        token = jwt.encode(token=CLAIMS, secret=SECRET, salt=salt, format=fmt)  # type: ignore[arg-type]
        if fmt == "v4":
            floor = floor_v4(token, jwe.derive_v4_key(SECRET, salt))
        else:
            floor = floor_v5(token, jwe.derive_v5_key(SECRET, salt))
        floor_med, floor_p99 = summary(measure_sync(floor, iterations))
        rows.append((fmt, "floor: AES decrypt + json.loads", floor_med, floor_p99, 1.0))

        def decode(token: str = token, salt: str = salt, fmt: str = fmt) -> Any:
            return jwt.decode(token=token, secret=SECRET, salt=salt, format=fmt)  # type: ignore[arg-type]

        med, p99 = summary(measure_sync(decode, iterations))
        rows.append((fmt, "authsession.jwt.decode", med, p99, med / floor_med))

        csrf = "a" * 64
        request = AuthRequest(
            method="GET",
            url="http://localhost:8000/profile",
            headers={"host": "localhost:8000"},
            cookies={name: token, cookie_names(fmt, False).csrf_token: csrf},  # type: ignore[arg-type]
        )

        async def core(request: AuthRequest = request, options: AuthOptions = options) -> Any:
            session, _ = await get_session(request, options)
            assert session is not None
            return session

        med, p99 = summary(await measure_async(core, iterations))
        rows.append((fmt, "get_session (core, re-encodes cookie)", med, p99, med / floor_med))

        starlette_call = starlette_session_call(options, f"{name}={token}")
        med, p99 = summary(await measure_async(starlette_call, iterations))
        rows.append((fmt, "get_server_session (Starlette request)", med, p99, med / floor_med))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()
    rows = asyncio.run(run(args.iterations))
    print(f"authsession in-process benchmark: {args.iterations} calls per case, Python {platform.python_version()}")
    print(f"{'format':6} {'case':42} {'median µs':>10} {'p99 µs':>8} {'x floor':>8}")
    for fmt, case, med, p99, ratio in rows:
        print(f"{fmt:6} {case:42} {med:10.1f} {p99:8.1f} {ratio:8.2f}")


if __name__ == "__main__":
    main()
