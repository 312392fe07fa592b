"""The Redis adapter: the conformance suite on the test Redis and on a real 3-node Redis Cluster."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from authsession.adapters import AdapterError
from authsession.adapters.redis import RedisAdapter
from authsession.testing import AdapterConformanceSuite
from authsession.testing.adapter_suite import at, new_user, oauth_account
from helpers import requires


async def keys_under(client: Any, prefix: str) -> list[str]:
    return sorted([key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)])


class TestRedisAdapter(AdapterConformanceSuite):
    @pytest.fixture
    async def adapter(self, redis_url: str, redis_prefix: str) -> AsyncIterator[RedisAdapter]:
        adapter = RedisAdapter(redis_url, prefix=redis_prefix)
        yield adapter
        for key in await keys_under(adapter.client, redis_prefix):
            await adapter.client.delete(key)
        await adapter.close()

    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        return await keys_under(adapter.client, adapter.prefix)

    async def test_keeps_the_given_id(self, adapter: RedisAdapter) -> None:
        user = new_user()
        assert (await adapter.create_user(user))["id"] == user["id"]
        fresh = await adapter.create_user({"email": "no-id@example.com"})
        assert uuid.UUID(fresh["id"]).version == 4

    async def test_ttls_follow_expires(self, adapter: RedisAdapter) -> None:
        _, created = await self.create_user(adapter)
        session = await self.create_session(adapter, created["id"], hours=2)
        token_expires = at(0.25)
        await adapter.create_verification_token(
            {"identifier": "ttl@example.com", "token": "t", "expires": token_expires}
        )
        client = adapter.client
        prefix = adapter.prefix

        async def expires_at_ms(key: str) -> int:
            return int(await client.pexpiretime(key))

        session_ms = int(session["expires"].timestamp() * 1000)
        assert await expires_at_ms(f"{prefix}:{{session:{session['sessionToken']}}}") == session_ms
        assert await expires_at_ms(f"{prefix}:{{user:{created['id']}}}:sessions") == session_ms
        assert await expires_at_ms(f"{prefix}:{{vt:ttl@example.com}}:t") == int(token_expires.timestamp() * 1000)
        assert await expires_at_ms(f"{prefix}:{{vt:ttl@example.com}}") == int(token_expires.timestamp() * 1000)
        assert await client.pttl(f"{prefix}:{{user:{created['id']}}}") == -1  # users stay

        later = at(30 * 24)
        await adapter.update_session(session["sessionToken"], later)
        assert await expires_at_ms(f"{prefix}:{{session:{session['sessionToken']}}}") == int(later.timestamp() * 1000)

    async def test_expired_session_is_gone(self, adapter: RedisAdapter) -> None:
        _, created = await self.create_user(adapter)
        session = await adapter.create_session(
            {"sessionToken": "soon", "userId": created["id"], "expires": at(0) + timedelta(milliseconds=50)}
        )
        assert await adapter.get_session_and_user(session["sessionToken"]) is not None
        await asyncio.sleep(0.1)
        assert await adapter.get_session_and_user(session["sessionToken"]) is None

    async def test_user_id_cannot_be_reused(self, adapter: RedisAdapter) -> None:
        user = new_user()
        await adapter.create_user(user)
        with pytest.raises(AdapterError, match="exists"):
            await adapter.create_user({**user, "email": "other@example.com"})

    async def test_update_user_to_a_taken_email_is_refused(self, adapter: RedisAdapter) -> None:
        first, _ = await self.create_user(adapter)
        _, second = await self.create_user(adapter)
        with pytest.raises(AdapterError, match="email exists"):
            await adapter.update_user({"id": second["id"], "email": first["email"]})
        assert (await adapter.get_user_by_email(first["email"] or "") or {}).get("id") == first["id"]

    async def test_naive_datetimes_are_refused(self, adapter: RedisAdapter) -> None:
        with pytest.raises(AdapterError, match="naive datetime"):
            await adapter.create_verification_token(
                {"identifier": "a", "token": "b", "expires": at(1).replace(tzinfo=None)}
            )

    async def test_a_session_read_is_one_round_trip(self, redis_url: str, redis_prefix: str) -> None:
        commands: list[tuple[Any, ...]] = []

        class Recording(aioredis.Redis):
            async def execute_command(self, *args: Any, **options: Any) -> Any:
                commands.append(args)
                return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

        client = Recording.from_url(redis_url, decode_responses=True)
        adapter = RedisAdapter(client, prefix=redis_prefix)
        user = await adapter.create_user(new_user(id="a:b}{%"))
        session = await self.create_session(adapter, user["id"])
        commands.clear()
        assert await adapter.get_session_and_user(session["sessionToken"]) == (session, user)
        assert await adapter.get_session_and_user("no-such-token") is None
        assert len(commands) == 2, commands
        await adapter.delete_user(user["id"])
        await client.aclose()

    async def test_multi_key_operations_stay_in_one_slot(self, redis_url: str, redis_prefix: str) -> None:
        """Every command or script given several keys names keys of one cluster slot."""
        commands: list[tuple[Any, ...]] = []

        class Recording(aioredis.Redis):
            async def execute_command(self, *args: Any, **options: Any) -> Any:
                commands.append(args)
                # redis-py leaves execute_command unannotated.
                return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

        client = Recording.from_url(redis_url, decode_responses=True)
        adapter = RedisAdapter(client, prefix=redis_prefix)
        # Awkward ids: braces, colons, percent signs and an empty tag must not split a user's keys.
        for user_id in ("}{", "a:b}c{d", "%7D", "plain"):
            user = await adapter.create_user(new_user(id=user_id))
            await adapter.update_user({"id": user["id"], "name": "x", "email": f"{uuid.uuid4().hex}@example.com"})
            await adapter.link_account(oauth_account(user["id"], provider="a:b", providerAccountId="}"))
            session = await self.create_session(adapter, user["id"])
            await adapter.update_session(session["sessionToken"], at(3))
            found = await adapter.get_session_and_user(session["sessionToken"])
            assert found is not None
            assert found[1]["id"] == user_id  # the script escapes the user's key as _user_key does
            await adapter.create_verification_token({"identifier": user_id, "token": "{x}", "expires": at(1)})
            await adapter.has_verification_token_expiring_after(user_id, at(0))
            await adapter.use_verification_token(user_id, "{x}")
            await self.create_session(adapter, user["id"])
            await adapter.delete_session(session["sessionToken"])
            await adapter.unlink_account("a:b", "}")
            await adapter.delete_user(user["id"])
        assert await keys_under(client, redis_prefix) == []
        await client.aclose()

        checked = 0
        for command in commands:
            name = str(command[0]).upper()
            if name in ("EVALSHA", "EVAL"):
                keys = command[3 : 3 + int(command[2])]
            elif name in ("DEL", "UNLINK", "EXISTS", "MGET"):
                keys = command[1:]
            else:
                continue
            if len(keys) > 1:
                checked += 1
                assert len({key_slot(str(key).encode()) for key in keys}) == 1, command
        assert checked > 10


# --- a real Redis Cluster -----------------------------------------------------------------------


def _free_port() -> int:
    """A port that is free, and whose cluster bus port (+10000) is free too."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Three primaries on 127.0.0.1, made with ``redis-cli --cluster create``; yields a node URL."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    requires(server is not None and cli is not None, "redis-server/redis-cli not installed (apt install redis)")
    assert server is not None
    assert cli is not None
    workdir: Path = tmp_path_factory.mktemp("redis-cluster")
    ports = [_free_port() for _ in range(3)]
    processes = [
        subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
             "--cluster-config-file", f"nodes-{port}.conf", "--dir", str(workdir), "--save", "",
             "--appendonly", "no", "--logfile", str(workdir / f"{port}.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]  # fmt: skip
    try:
        for port in ports:
            _wait(lambda port=port: _cli(cli, port, "ping") == "PONG", "node start")
        subprocess.run(
            [
                cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        for port in ports:
            _wait(lambda port=port: "cluster_state:ok" in _cli(cli, port, "cluster", "info"), "cluster state ok")
        yield f"redis://127.0.0.1:{ports[0]}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


def _cli(cli: str, port: int, *args: str) -> str:
    result = subprocess.run([cli, "-p", str(port), *args], capture_output=True, text=True, timeout=5, check=False)
    return result.stdout.strip()


def _wait(ready: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis Cluster: timed out waiting for {what}")
        time.sleep(0.05)


class TestRedisClusterAdapter(AdapterConformanceSuite):
    """The whole suite through ``RedisCluster``: a CROSSSLOT error would fail it."""

    @pytest.fixture
    async def adapter(self, redis_cluster: str) -> AsyncIterator[RedisAdapter]:
        client = RedisCluster.from_url(redis_cluster, decode_responses=True)
        adapter = RedisAdapter(client, prefix=f"cluster-{uuid.uuid4().hex[:8]}")
        yield adapter
        await client.flushall(target_nodes=RedisCluster.PRIMARIES)
        await client.aclose()

    async def leftovers(self, adapter: Any) -> Sequence[str] | None:
        client: RedisCluster = adapter.client
        found: list[str] = []
        for node in client.get_primaries():
            # decode_responses=True: the keys are str (redis-py types them as bytes | str).
            found += cast("list[str]", await client.keys(f"{adapter.prefix}:*", target_nodes=node))
        return sorted(found)
