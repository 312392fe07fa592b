"""Redis adapter on ``redis.asyncio``, safe for Redis Cluster.

Key layout (``P`` is the prefix, ``authsession`` by default; the part in braces is the Redis
Cluster hash tag, so every key with the same tag lives in the same slot)::

    P:{user:<id>}                   hash     the user (each field a JSON value)
    P:{user:<id>}:accounts          set      keys of the user's linked accounts
    P:{user:<id>}:sessions          zset     the user's session tokens, scored by expiry
    P:{user:<id>}:two-factor        hash     the user's TOTP enrolment (TwoFactorAdapter)
    P:{user:<id>}:recovery-codes    set      hashes of the user's unused recovery codes

    P:{user:<id>}:authenticators    hash     the user's passkeys: credential id -> JSON
    P:{user:<id>}:generation        string   the user's session generation (SessionManagementAdapter)
    P:{user:<id>}:password          string   the user's password hash (PasswordAdapter)
    P:{email:<email>}               string   user id, the email index
    P:{account:<provider>:<id>}     string   the account (JSON), with its userId
    P:{authenticator:<credential>}  string   user id, the credential index
    P:{session:<token>}             string   the session (JSON)            PEXPIREAT expires
    P:{vt:<identifier>}             zset     the identifier's tokens, scored by expiry
    P:{vt:<identifier>}:<token>     string   a verification token (JSON)   PEXPIREAT expires

Parts inside a key are escaped (``%``, ``{``, ``}`` and ``:`` are percent-encoded), so a user id,
email or token can neither move a key to another slot nor collide with another key.

What is atomic, and why it is cluster-safe:

- Every multi-key command or Lua script touches keys of one hash tag only: a user's hash, its
  account set and session index (``create_user``, ``update_user``, ``delete_user``'s last step);
  an identifier's tokens and their index (``create_verification_token``,
  ``use_verification_token``, which deletes and returns in one script: single use).
- Two-factor keys share the user's tag: ``use_two_factor_step`` is a compare-and-set script and
  ``use_recovery_code`` one ``SREM``, so of two requests with one code only one succeeds.
- ``get_session_and_user`` is one round trip on a single Redis server: a script reads the
  session key and then the user's hash it names. On a cluster it costs two, as the session key
  (tagged by the token, the only thing the cookie holds) and the user's key live in different
  slots, and a script may touch one slot only. A user deleted between the two reads gives
  ``None``, as it should.
- ``get_user_by_email`` and ``get_user_by_account`` read the index, then the user (two trips);
  so does ``get_authenticator``. ``update_authenticator_counter`` rewrites the stored passkey in
  one script, so a concurrent update is never half-applied.
- ``delete_user`` spans slots, so it is ordered, not atomic: the user's sessions go first (so
  nothing signs in as a half-deleted user), then accounts, the credential index, the email index
  and the user with their passkeys. Run it
  again if it was interrupted. A session created concurrently with ``delete_user`` can outlive
  the user until its TTL, but never resolves: ``get_session_and_user`` needs the user.

Sessions and tokens expire with Redis TTLs that follow ``expires``; the per-user and
per-identifier indexes drop expired members on every write and expire with their last member.
Users and accounts never expire. Needs Redis 6.2 or later (``PXAT``, ``GETDEL``).

Requires ``pip install authsession[redis]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

try:
    import redis.asyncio as aioredis
    from redis.asyncio.cluster import RedisCluster
    from redis.exceptions import RedisError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("RedisAdapter needs redis-py 5 or later: pip install authsession[redis]") from exc

from authsession.adapters.base import AdapterError
from authsession.types import Account, AdapterSession, Authenticator, TwoFactorRecord, User, VerificationToken

__all__ = ["RedisAdapter"]

RedisClient = aioredis.Redis | RedisCluster

# KEYS[1] user hash; ARGV field/value pairs. Refuses to overwrite an existing user.
_SCRIPT_CREATE_USER = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""

# KEYS[1] user hash; ARGV field/value pairs (maybe none). The user afterwards, or nil.
_SCRIPT_UPDATE_USER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
"""

# KEYS[1] an index zset; ARGV member, score (µs), now (µs). Drops expired members and keeps the
# index alive exactly as long as its last member.
_SCRIPT_INDEX_ADD = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('PEXPIREAT', KEYS[1], string.format('%d', math.ceil(tonumber(last[2]) / 1000)))
return 1
"""

# KEYS[1] token key, KEYS[2] its identifier's index; ARGV[1] json, [2] PXAT ms, [3] member,
# [4] score µs, [5] now µs.
_SCRIPT_STORE_VERIFICATION = """
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #last == 0 then redis.call('DEL', KEYS[2]) return 0 end
redis.call('PEXPIREAT', KEYS[2], string.format('%d', math.ceil(tonumber(last[2]) / 1000)))
return 1
"""

# KEYS[1] token key, KEYS[2] index; ARGV[1] member. Fetch and delete: only one caller gets it.
_SCRIPT_USE_VERIFICATION = """
local value = redis.call('GET', KEYS[1])
if value then redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return value
"""

# KEYS[1]; ARGV[1] expected value. Deletes only a key that still holds the expected value.
_SCRIPT_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS[1] two-factor hash; ARGV[1] step. Moves lastStep forward only: a code is used once.
_SCRIPT_USE_STEP = """
local last = redis.call('HGET', KEYS[1], 'lastStep')
if not last or tonumber(last) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'lastStep', ARGV[1])
return 1
"""

# KEYS[1] session key; ARGV[1] the prefix. The session and its user's hash (flat), or nil.
# The user's key is not declared: it is named by the session, so this runs on one server only,
# never on a cluster. The escaping is _escape's, and _user_key's layout.
_SCRIPT_SESSION_AND_USER = """
local stored = redis.call('GET', KEYS[1])
if not stored then return false end
local id = cjson.decode(stored).userId
id = id:gsub('%%', '%%25'):gsub('{', '%%7B'):gsub('}', '%%7D'):gsub(':', '%%3A')
return {stored, redis.call('HGETALL', ARGV[1] .. ':{user:' .. id .. '}')}
"""

# KEYS[1] a user's authenticators hash; ARGV[1] credential id, [2] counter. The passkey, or nil.
_SCRIPT_SET_COUNTER = """
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return false end
local record = cjson.decode(stored)
record['counter'] = tonumber(ARGV[2])
stored = cjson.encode(record)
redis.call('HSET', KEYS[1], ARGV[1], stored)
return stored
"""

_USER_FIELDS = ("id", "name", "email", "image", "emailVerified")


class RedisAdapter:
    """Store users, accounts, database sessions and email tokens in Redis or Redis Cluster.

    :param url_or_client: a URL such as ``redis://localhost:6379/0`` (``rediss://`` for TLS), or
        a ``redis.asyncio.Redis`` / ``redis.asyncio.RedisCluster`` client you made.
    :param prefix: the first part of every key, so several apps can share one Redis.

    Sessions and verification tokens expire by themselves (Redis TTLs follow ``expires``). Users
    keep the ``id`` they are created with (a uuid4 string if they have none).

    Security: Redis holds live session tokens. Require a password (or ACL user) and TLS when
    Redis is not on the same host, and never expose it to the internet.
    """

    def __init__(self, url_or_client: str | RedisClient, *, prefix: str = "authsession") -> None:
        self._url = url_or_client if isinstance(url_or_client, str) else None
        if isinstance(url_or_client, str):
            self._bound_client: RedisClient = aioredis.from_url(url_or_client, decode_responses=True)
            self._owns_client = True
        else:
            self._bound_client = url_or_client
            self._owns_client = False
        # The loop the client's connections belong to (see _follow_loop).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._prefix = prefix
        self._cluster_pending = isinstance(self._bound_client, RedisCluster)
        client = self._bound_client
        pool = client.connection_pool if isinstance(client, aioredis.Redis) else None
        self._password = str(pool.connection_kwargs.get("password") or "") if pool is not None else ""

    @property
    def client(self) -> RedisClient:
        return self._client

    @property
    def _client(self) -> RedisClient:
        self._follow_loop()
        return self._bound_client

    def _follow_loop(self) -> None:
        """Let go of connections opened on another event loop.

        redis-py's asyncio connections belong to the loop that opened them; after that loop
        closes (``asyncio.run`` before the server, one ``TestClient`` per test) they fail with
        "Event loop is closed". A client made from a URL is made again; a ``Redis`` client you
        passed has its pool emptied (the old loop can no longer close those connections). A
        ``RedisCluster`` client you passed must stay on one loop.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if loop is self._loop:
            return
        if self._loop is not None:
            if self._url is not None:
                self._bound_client = aioredis.from_url(self._url, decode_responses=True)
            elif isinstance(self._bound_client, aioredis.Redis):
                self._bound_client.connection_pool.reset()  # type: ignore[no-untyped-call]
        self._loop = loop

    @property
    def prefix(self) -> str:
        return self._prefix

    def __repr__(self) -> str:
        return f"RedisAdapter(prefix={self._prefix!r})"

    async def close(self) -> None:
        """Close the connection pool, if the adapter made it (a client you passed is yours)."""
        if self._owns_client:
            await self._client.aclose()

    async def _eval(self, script: str, *, keys: list[str], args: list[Any]) -> Any:
        # EVAL, not EVALSHA: nothing to reload after a restart, a failover or SCRIPT FLUSH, and
        # no SCRIPT LOAD fanned out to every primary. Redis caches the compiled script anyway.
        return await self._client.eval(script, len(keys), *keys, *args)

    # --- keys -------------------------------------------------------------------------------

    def _key(self, tag: str, suffix: str = "") -> str:
        return f"{self._prefix}:{{{tag}}}{suffix}"

    def _user_key(self, user_id: str) -> str:
        return self._key(f"user:{_escape(user_id)}")

    def _email_key(self, email: str) -> str:
        return self._key(f"email:{_escape(email)}")

    def _account_key(self, provider: str, provider_account_id: str) -> str:
        return self._key(f"account:{_escape(provider)}:{_escape(provider_account_id)}")

    def _authenticator_key(self, credential_id: str) -> str:
        return self._key(f"authenticator:{_escape(credential_id)}")

    def _session_key(self, token: str) -> str:
        return self._key(f"session:{_escape(token)}")

    def _token_index_key(self, identifier: str) -> str:
        return self._key(f"vt:{_escape(identifier)}")

    def _token_key(self, identifier: str, token: str) -> str:
        return self._key(f"vt:{_escape(identifier)}", f":{_escape(token)}")

    # --- users ------------------------------------------------------------------------------

    async def create_user(self, user: User) -> User:
        """Store ``user`` under its ``id`` (a new uuid4 if it has none) and return it."""
        record: dict[str, Any] = dict(user)
        record["id"] = str(record.get("id") or uuid.uuid4())
        key = self._user_key(record["id"])
        email = record.get("email")
        async with self._errors("create_user"):
            if not await self._eval(_SCRIPT_CREATE_USER, keys=[key], args=_hash_args(record)):
                raise AdapterError(f"RedisAdapter.create_user: a user with id {record['id']!r} exists")
            if email is not None and not await self._client.set(self._email_key(email), record["id"], nx=True):
                await self._client.delete(key)
                raise AdapterError("RedisAdapter.create_user: a user with this email exists")
        return _user({name: _dumps(value) for name, value in record.items()})

    async def get_user(self, id: str) -> User | None:
        async with self._errors("get_user"):
            stored = await self._client.hgetall(self._user_key(id))
        return _user(stored) if stored else None

    async def get_user_by_email(self, email: str) -> User | None:
        async with self._errors("get_user_by_email"):
            user_id = await self._client.get(self._email_key(email))
        return await self.get_user(_text(user_id)) if user_id is not None else None

    async def get_user_by_account(self, provider: str, provider_account_id: str) -> User | None:
        async with self._errors("get_user_by_account"):
            stored = await self._client.get(self._account_key(provider, provider_account_id))
        if stored is None:
            return None
        return await self.get_user(str(json.loads(stored)["userId"]))

    async def update_user(self, user: User) -> User:
        """Set the fields present in ``user`` (atomically, on the user's hash) and return the user."""
        user_id = user["id"]
        changes: dict[str, Any] = {k: v for k, v in user.items() if k != "id"}
        key = self._user_key(user_id)
        async with self._errors("update_user"):
            old_email: str | None = None
            claimed: str | None = None
            if "email" in changes:
                old_email = _load(await self._client.hget(key, "email"))
                new_email = changes["email"]
                if new_email is not None and new_email != old_email:
                    email_key = self._email_key(new_email)
                    if await self._client.set(email_key, user_id, nx=True):
                        claimed = new_email
                    elif _text(await self._client.get(email_key) or "") != user_id:
                        raise AdapterError("RedisAdapter.update_user: a user with this email exists")
            stored = await self._eval(_SCRIPT_UPDATE_USER, keys=[key], args=_hash_args(changes))
            if stored is None:
                if claimed is not None:
                    await self._eval(_SCRIPT_DELETE_IF_EQUAL, keys=[self._email_key(claimed)], args=[user_id])
                raise AdapterError(f"RedisAdapter.update_user: no user with id {user_id!r}")
            if old_email is not None and old_email != changes["email"]:
                await self._eval(_SCRIPT_DELETE_IF_EQUAL, keys=[self._email_key(old_email)], args=[user_id])
        return _user(_pairs(stored))

    async def delete_user(self, user_id: str) -> None:
        """Delete the user with their sessions, accounts, passkeys and email index (sessions first)."""
        key = self._user_key(user_id)
        sessions_key, accounts_key, passkeys_key = f"{key}:sessions", f"{key}:accounts", f"{key}:authenticators"
        async with self._errors("delete_user"):
            email = _load(await self._client.hget(key, "email"))
            tokens = [_text(t) for t in await self._client.zrange(sessions_key, 0, -1) if isinstance(t, bytes | str)]
            account_keys = [_text(k) for k in await self._client.smembers(accounts_key)]
            credential_ids = [_text(c) for c in await self._client.hkeys(passkeys_key)]
            if tokens or account_keys or credential_ids:
                pipe = self._client.pipeline(transaction=False)
                for token in tokens:
                    pipe.delete(self._session_key(token))
                for account_key in account_keys:
                    pipe.delete(account_key)
                for credential_id in credential_ids:
                    pipe.delete(self._authenticator_key(credential_id))
                await pipe.execute()
            if email is not None:
                await self._eval(_SCRIPT_DELETE_IF_EQUAL, keys=[self._email_key(email)], args=[user_id])
            # One hash tag: one slot.
            extra = (f"{key}:two-factor", f"{key}:recovery-codes", f"{key}:generation", f"{key}:password")
            await self._client.delete(key, sessions_key, accounts_key, *extra)

            await self._client.delete(key, sessions_key, accounts_key, passkeys_key)  # one hash tag: one slot

    # --- accounts ---------------------------------------------------------------------------

    async def link_account(self, account: Account) -> None:
        """Store the account; a second link of the same provider account raises :class:`AdapterError`."""
        key = self._account_key(account["provider"], account["providerAccountId"])
        user_id = account["userId"]
        async with self._errors("link_account"):
            if not await self._client.set(key, _dumps(dict(account)), nx=True):
                raise AdapterError("RedisAdapter.link_account: this provider account is linked already")
            await self._client.sadd(f"{self._user_key(user_id)}:accounts", key)

    async def unlink_account(self, provider: str, provider_account_id: str) -> None:
        key = self._account_key(provider, provider_account_id)
        async with self._errors("unlink_account"):
            stored = await self._client.getdel(key)
            if stored is not None:
                user_id = str(json.loads(stored)["userId"])
                await self._client.srem(f"{self._user_key(user_id)}:accounts", key)

    # --- sessions ---------------------------------------------------------------------------

    async def create_session(self, session: AdapterSession) -> AdapterSession:
        async with self._errors("create_session"):
            record = _session_record(session)
            expires = session["expires"]
            token, user_id = record["sessionToken"], record["userId"]
            # The user's index first: delete_user finds every session that exists.
            await self._eval(
                _SCRIPT_INDEX_ADD,
                keys=[f"{self._user_key(user_id)}:sessions"],
                args=[token, _micros(expires), _micros(_now())],
            )
            await self._client.set(self._session_key(token), _dumps(record), pxat=_millis(expires))
        return _session(record)

    async def get_session_and_user(self, session_token: str) -> tuple[AdapterSession, User] | None:
        """The session, then its user: one round trip, or two on a cluster (see the module's notes)."""
        key = self._session_key(session_token)
        async with self._errors("get_session_and_user"):
            if isinstance(self._client, RedisCluster):
                stored = await self._client.get(key)
                if stored is None:
                    return None
                session = _session(json.loads(stored))
                user = await self._client.hgetall(self._user_key(session["userId"]))
            else:
                found = await self._eval(_SCRIPT_SESSION_AND_USER, keys=[key], args=[self._prefix])
                if found is None:
                    return None
                stored, fields = found
                session = _session(json.loads(stored))
                user = dict(zip(fields[::2], fields[1::2], strict=True))
        return (session, _user(user)) if user else None

    async def update_session(self, session_token: str, expires: datetime) -> AdapterSession | None:
        key = self._session_key(session_token)
        async with self._errors("update_session"):
            stored = await self._client.get(key)
            if stored is None:
                return None
            record = json.loads(stored)
            record["expires"] = _iso(expires)
            # XX: a session deleted meanwhile stays deleted.
            if not await self._client.set(key, _dumps(record), pxat=_millis(expires), xx=True):
                return None
            await self._eval(
                _SCRIPT_INDEX_ADD,
                keys=[f"{self._user_key(record['userId'])}:sessions"],
                args=[session_token, _micros(expires), _micros(_now())],
            )
        return _session(record)

    async def delete_session(self, session_token: str) -> AdapterSession | None:
        async with self._errors("delete_session"):
            stored = await self._client.getdel(self._session_key(session_token))
            if stored is None:
                return None
            session = _session(json.loads(stored))
            await self._client.zrem(f"{self._user_key(session['userId'])}:sessions", session_token)
        return session

    # --- verification tokens ----------------------------------------------------------------

    async def create_verification_token(self, token: VerificationToken) -> VerificationToken:
        identifier, value, expires = token["identifier"], token["token"], token["expires"]
        async with self._errors("create_verification_token"):
            record = {"identifier": identifier, "token": value, "expires": _iso(expires)}
            await self._eval(
                _SCRIPT_STORE_VERIFICATION,
                keys=[self._token_key(identifier, value), self._token_index_key(identifier)],
                args=[_dumps(record), _millis(expires), value, _micros(expires), _micros(_now())],
            )
        return _token(record)

    async def use_verification_token(self, identifier: str, token: str) -> VerificationToken | None:
        """Fetch and delete in one Lua script: of two concurrent calls, one gets the token."""
        async with self._errors("use_verification_token"):
            stored = await self._eval(
                _SCRIPT_USE_VERIFICATION,
                keys=[self._token_key(identifier, token), self._token_index_key(identifier)],
                args=[token],
            )
        return _token(json.loads(stored)) if stored is not None else None

    async def has_verification_token_expiring_after(self, identifier: str, after: datetime) -> bool:
        """authsession's extension for rate-limiting email sign-in (not in Auth.js)."""
        async with self._errors("has_verification_token_expiring_after"):
            count = await self._client.zcount(self._token_index_key(identifier), f"({_micros(after)}", "+inf")
        return int(count) > 0

    # --- authenticators (passkeys) ----------------------------------------------------------

    async def create_authenticator(self, authenticator: Authenticator) -> Authenticator:
        """Store the passkey under its user; a credential id stored already raises :class:`AdapterError`."""
        record = _authenticator(authenticator)
        credential_id, user_id = record["credentialID"], record["userId"]
        async with self._errors("create_authenticator"):
            if not await self._client.set(self._authenticator_key(credential_id), user_id, nx=True):
                raise AdapterError("RedisAdapter.create_authenticator: this credential is registered already")
            await self._client.hset(f"{self._user_key(user_id)}:authenticators", credential_id, _dumps(record))
        return record

    async def get_authenticator(self, credential_id: str) -> Authenticator | None:
        async with self._errors("get_authenticator"):
            user_id = await self._client.get(self._authenticator_key(credential_id))
            if user_id is None:
                return None
            stored = await self._client.hget(f"{self._user_key(_text(user_id))}:authenticators", credential_id)
        return _authenticator(json.loads(stored)) if stored is not None else None

    async def list_authenticators_by_user_id(self, user_id: str) -> list[Authenticator]:
        async with self._errors("list_authenticators_by_user_id"):
            stored = await self._client.hvals(f"{self._user_key(user_id)}:authenticators")
        return [_authenticator(json.loads(value)) for value in stored]

    async def update_authenticator_counter(self, credential_id: str, counter: int) -> Authenticator:
        async with self._errors("update_authenticator_counter"):
            user_id = await self._client.get(self._authenticator_key(credential_id))
            stored = None
            if user_id is not None:
                stored = await self._eval(
                    _SCRIPT_SET_COUNTER,
                    keys=[f"{self._user_key(_text(user_id))}:authenticators"],
                    args=[credential_id, int(counter)],
                )
        if stored is None:
            raise AdapterError("RedisAdapter.update_authenticator_counter: no authenticator with this id")
        return _authenticator(json.loads(stored))

    # --- helpers ----------------------------------------------------------------------------

    # --- two-factor (TwoFactorAdapter) --------------------------------------------------------

    async def get_two_factor(self, user_id: str) -> TwoFactorRecord | None:
        async with self._errors("get_two_factor"):
            stored = await self._client.hgetall(f"{self._user_key(user_id)}:two-factor")
        if not stored:
            return None
        record = {_text(k): _text(v) for k, v in stored.items()}
        enabled = record.get("enabledAt") or ""
        return {
            "userId": user_id,
            "secret": record["secret"],
            "enabledAt": datetime.fromisoformat(enabled) if enabled else None,
            "lastStep": int(record.get("lastStep", "0")),
        }

    async def set_two_factor(self, record: TwoFactorRecord, recovery_codes: Sequence[str] | None = None) -> None:
        user_key = self._user_key(record["userId"])
        enabled = record["enabledAt"]
        fields: list[str | int] = ["secret", record["secret"], "enabledAt", _iso(enabled) if enabled else ""]
        fields += ["lastStep", record["lastStep"]]
        async with self._errors("set_two_factor"):
            pipe = self._client.pipeline(transaction=True)  # one hash tag: MULTI works in a cluster
            pipe.hset(f"{user_key}:two-factor", items=fields)
            if recovery_codes is not None:
                pipe.delete(f"{user_key}:recovery-codes")
                if recovery_codes:
                    pipe.sadd(f"{user_key}:recovery-codes", *recovery_codes)
            await pipe.execute()

    async def delete_two_factor(self, user_id: str) -> None:
        user_key = self._user_key(user_id)
        async with self._errors("delete_two_factor"):
            await self._client.delete(f"{user_key}:two-factor", f"{user_key}:recovery-codes")

    async def use_two_factor_step(self, user_id: str, step: int) -> bool:
        async with self._errors("use_two_factor_step"):
            used = await self._eval(_SCRIPT_USE_STEP, keys=[f"{self._user_key(user_id)}:two-factor"], args=[step])
        return bool(used)

    async def use_recovery_code(self, user_id: str, code_hash: str) -> bool:
        async with self._errors("use_recovery_code"):
            return bool(await self._client.srem(f"{self._user_key(user_id)}:recovery-codes", code_hash))

    async def count_recovery_codes(self, user_id: str) -> int:
        async with self._errors("count_recovery_codes"):
            return int(await self._client.scard(f"{self._user_key(user_id)}:recovery-codes"))

    # --- session management (SessionManagementAdapter) -------------------------------------------

    async def _session_tokens_of(self, user_id: str) -> list[str]:
        index = f"{self._user_key(user_id)}:sessions"
        now = _micros(_now())
        found = await self._client.zrangebyscore(index, f"({now}", "+inf")
        return [_text(t) for t in found if isinstance(t, bytes | str)]

    async def list_sessions_of_user(self, user_id: str) -> list[AdapterSession]:
        async with self._errors("list_sessions_of_user"):
            tokens = await self._session_tokens_of(user_id)
            if not tokens:
                return []
            # One key per session, each in its own slot: a pipeline, not MGET, so it works on a cluster.
            pipe = self._client.pipeline(transaction=False)
            for token in tokens:
                pipe.get(self._session_key(token))
            stored = await pipe.execute()
        return [_session(json.loads(value)) for value in stored if value is not None]

    async def delete_sessions_of_user(self, user_id: str, keep: str | None = None) -> int:
        async with self._errors("delete_sessions_of_user"):
            tokens = [t for t in await self._session_tokens_of(user_id) if t != keep]
            if not tokens:
                return 0
            pipe = self._client.pipeline(transaction=False)
            for token in tokens:
                pipe.delete(self._session_key(token))
            deleted = await pipe.execute()
            await self._client.zrem(f"{self._user_key(user_id)}:sessions", *tokens)
        return sum(int(n) for n in deleted)

    async def get_session_generation(self, user_id: str) -> int:
        async with self._errors("get_session_generation"):
            value = await self._client.get(f"{self._user_key(user_id)}:generation")
        return int(value) if value is not None else 0

    async def bump_session_generation(self, user_id: str) -> int:
        async with self._errors("bump_session_generation"):
            return int(await self._client.incr(f"{self._user_key(user_id)}:generation"))

    # --- passwords (PasswordAdapter) -------------------------------------------------------------

    async def get_password_hash(self, user_id: str) -> str | None:
        async with self._errors("get_password_hash"):
            value = await self._client.get(f"{self._user_key(user_id)}:password")
        return _text(value) if value is not None else None

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        async with self._errors("set_password_hash"):
            if not await self._client.exists(self._user_key(user_id)):
                raise AdapterError(f"RedisAdapter.set_password_hash: no user with id {user_id!r}")
            await self._client.set(f"{self._user_key(user_id)}:password", password_hash)

    @contextlib.asynccontextmanager
    async def _errors(self, method: str) -> AsyncIterator[None]:
        """Re-raise Redis and connection errors as AdapterError, with the password masked."""
        try:
            if self._cluster_pending:
                # redis-py 7+ breaks connections when a cluster client's first commands arrive
                # concurrently (its lazy initialisation replaces nodes in use): initialise once.
                await self._client.initialize()
                self._cluster_pending = False
            yield
        except (RedisError, OSError, ValueError) as exc:
            message = f"RedisAdapter.{method} failed: {type(exc).__name__}: {exc}"
            if self._password:
                message = message.replace(self._password, "***")
            raise AdapterError(message, cause=exc) from exc


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace("{", "%7B").replace("}", "%7D").replace(":", "%3A")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware one (datetime.now(UTC))")
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return _aware(value).isoformat()


def _millis(value: datetime) -> int:
    return _micros(value) // 1000


def _micros(value: datetime) -> int:
    delta = _aware(value) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return _iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(value: object) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def _load(value: bytes | str | None) -> Any:
    return json.loads(value) if value is not None else None


def _hash_args(fields: Mapping[str, Any]) -> list[str]:
    """Field/value pairs for HSET, every value JSON (so ``None`` and ``"null"`` differ)."""
    args: list[str] = []
    for name, value in fields.items():
        args += [name, _dumps(value)]
    return args


def _pairs(flat: list[bytes | str]) -> dict[str, str]:
    texts = [_text(item) for item in flat]
    return dict(zip(texts[::2], texts[1::2], strict=True))


def _user(stored: Mapping[Any, bytes | str]) -> User:
    fields = {_text(name): json.loads(value) for name, value in stored.items()}
    user: dict[str, Any] = dict.fromkeys(_USER_FIELDS)
    user.update(fields)
    if isinstance(user["emailVerified"], str):
        user["emailVerified"] = datetime.fromisoformat(user["emailVerified"])
    return user  # type: ignore[return-value]


def _session_record(session: AdapterSession) -> dict[str, str]:
    record = {
        "sessionToken": session["sessionToken"],
        "userId": str(session["userId"]),
        "expires": _iso(session["expires"]),
    }
    created = session.get("createdAt")
    if created is not None:
        record["createdAt"] = _iso(created)
    for key in ("userAgent", "ip"):
        value = session.get(key)
        if isinstance(value, str):
            record[key] = value
    return record


def _session(record: Mapping[str, str]) -> AdapterSession:
    session: AdapterSession = {
        "sessionToken": record["sessionToken"],
        "userId": record["userId"],
        "expires": datetime.fromisoformat(record["expires"]),
    }
    if "createdAt" in record:
        session["createdAt"] = datetime.fromisoformat(record["createdAt"])
    if "userAgent" in record:
        session["userAgent"] = record["userAgent"]
    if "ip" in record:
        session["ip"] = record["ip"]
    return session


def _token(record: Mapping[str, str]) -> VerificationToken:
    return {
        "identifier": record["identifier"],
        "token": record["token"],
        "expires": datetime.fromisoformat(record["expires"]),
    }


def _authenticator(record: Mapping[str, Any]) -> Authenticator:
    return {
        "credentialID": str(record["credentialID"]),
        "userId": str(record["userId"]),
        "providerAccountId": str(record["providerAccountId"]),
        "credentialPublicKey": str(record["credentialPublicKey"]),
        "counter": int(record["counter"]),
        "credentialDeviceType": str(record["credentialDeviceType"]),
        "credentialBackedUp": bool(record["credentialBackedUp"]),
        "transports": record.get("transports"),
    }
