"""One PostgreSQL database shared with Next.js: the real @auth/pg-adapter reads what Python wrote,
and the reverse (``tests/node/pg-adapter``, run with the machine's Node), for each Python adapter
on the Auth.js tables: SQLAlchemyAdapter on tables ``create_schema()`` made, DjangoAdapter on
tables its migration made."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from authsession.adapters.django import DjangoAdapter
from authsession.adapters.sqlalchemy import SQLAlchemyAdapter
from authsession.testing.adapter_suite import at, passkey
from helpers import DJANGO_POSTGRES, NODE_DIR, driver_dsn, requires

from .sql_suite import SQLAlchemyAdapterSuite
from .test_django import DjangoAdapterSuite
from .test_postgres import fresh_adapter

pytestmark = pytest.mark.node
FOLDER = NODE_DIR / "pg-adapter"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _decode(value: dict[str, Any]) -> Any:
    if set(value) == {"$date"}:
        return datetime.fromisoformat(value["$date"])
    return value


class PgAdapterError(RuntimeError):
    pass


@dataclass(frozen=True)
class PgAdapter:
    """Runs batches of operations through ``oracle.mjs`` (the real ``PostgresAdapter(pool)``)."""

    node: str
    database_url: str

    def run(self, ops: Sequence[dict[str, Any]]) -> list[Any]:
        env = {**os.environ, "DATABASE_URL": self.database_url, "TZ": "Asia/Kolkata"}  # not UTC, on purpose
        proc = subprocess.run(
            [self.node, "oracle.mjs"],
            input=json.dumps(list(ops), default=_encode),
            capture_output=True,
            text=True,
            cwd=FOLDER,
            env=env,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"oracle.mjs exited with {proc.returncode}:\n{proc.stderr}")
        values = []
        for result in json.loads(proc.stdout, object_hook=_decode):
            if "error" in result:
                raise PgAdapterError(f"{result.get('name')}: {result['error']}")
            values.append(result["ok"])
        return values

    def call(self, method: str, *args: Any) -> Any:
        return self.run([{"op": "call", "method": method, "args": list(args)}])[0]

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.run([{"op": "query", "sql": sql, "params": list(params)}])[0]
        return rows


#: The Python adapters on the Auth.js tables; each shares a database with @auth/pg-adapter.
PyAdapter = SQLAlchemyAdapter | DjangoAdapter


@pytest.fixture(params=["sqlalchemy", "django"])
def database(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Which Python adapter, and the URL of its tables (made by its own migration, emptied)."""
    if request.param == "django":
        request.getfixturevalue("django_postgres")
        return "django", request.getfixturevalue("django_postgres_url")
    return "sqlalchemy", request.getfixturevalue("postgres_url")


@pytest.fixture
def js(node_binary: str, database: tuple[str, str]) -> PgAdapter:
    requires(
        (FOLDER / "node_modules" / "@auth" / "pg-adapter").is_dir(),
        "npm packages missing: run `npm ci` in tests/node/pg-adapter",
    )
    return PgAdapter(node=node_binary, database_url=driver_dsn(database[1]))


@pytest.fixture
async def py(database: tuple[str, str]) -> AsyncIterator[PyAdapter]:
    kind, url = database
    if kind == "django":
        yield DjangoAdapter(using=DJANGO_POSTGRES)
        return
    adapter = await fresh_adapter(url)
    yield adapter
    await adapter.close()


async def leftovers(adapter: PyAdapter) -> Sequence[str] | None:
    if isinstance(adapter, DjangoAdapter):
        return await DjangoAdapterSuite().leftovers(adapter)
    return await SQLAlchemyAdapterSuite().leftovers(adapter)


async def test_python_writes_javascript_reads(py: PyAdapter, js: PgAdapter) -> None:
    email = f"{uuid.uuid4().hex[:8]}@exämple.test"
    user = await py.create_user(
        {"name": "Zoë Python", "email": email, "emailVerified": at(-1), "image": "https://example.com/z.png"}
    )
    account_id = uuid.uuid4().hex
    await py.link_account(
        {
            "userId": user["id"],
            "type": "oidc",
            "provider": "keycloak",
            "providerAccountId": account_id,
            "access_token": "at",
            "refresh_token": "rt",
            "expires_at": 1_900_000_000,
            "token_type": "bearer",
            "scope": "openid email",
            "id_token": "eyJ.x.y",
            "session_state": "ss",
        }
    )
    session = await py.create_session({"sessionToken": uuid.uuid4().hex, "userId": user["id"], "expires": at(24)})
    token = await py.create_verification_token({"identifier": email, "token": uuid.uuid4().hex, "expires": at(1)})

    by_id, by_email, by_account, both, accounts, used = js.run(
        [
            {"op": "call", "method": "getUser", "args": [user["id"]]},
            {"op": "call", "method": "getUserByEmail", "args": [email]},
            {
                "op": "call",
                "method": "getUserByAccount",
                "args": [{"provider": "keycloak", "providerAccountId": account_id}],
            },
            {"op": "call", "method": "getSessionAndUser", "args": [session["sessionToken"]]},
            {"op": "query", "sql": 'SELECT * FROM accounts WHERE "providerAccountId" = $1', "params": [account_id]},
            {"op": "call", "method": "useVerificationToken", "args": [{"identifier": email, "token": token["token"]}]},
        ]
    )
    as_js = {**user, "id": int(user["id"])}  # pg hands SERIAL ids to JavaScript as numbers
    assert by_id == as_js
    assert by_email == as_js
    assert by_account == as_js
    assert both["user"] == as_js
    assert both["session"] == {
        "id": both["session"]["id"],
        "sessionToken": session["sessionToken"],
        "userId": int(user["id"]),
        "expires": session["expires"],
    }
    [account] = accounts
    assert account["userId"] == int(user["id"])
    assert account["expires_at"] == "1900000000"  # BIGINT: a string in node-postgres
    assert (account["access_token"], account["refresh_token"], account["id_token"]) == ("at", "rt", "eyJ.x.y")
    assert used == token
    assert await py.use_verification_token(email, token["token"]) is None  # JavaScript used it


async def test_javascript_writes_python_reads(py: PyAdapter, js: PgAdapter) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.test"
    verified = at(-3)
    # Auth.js v5 hands createUser a uuid id; @auth/pg-adapter lets SERIAL pick the id instead.
    created = js.call(
        "createUser",
        {"id": str(uuid.uuid4()), "name": "Jo Script", "email": email, "emailVerified": verified, "image": None},
    )
    assert isinstance(created["id"], int)
    user_id = str(created["id"])
    token_value, session_token, account_id = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    session_expires, token_expires = at(30 * 24), at(0.5)
    js.run(
        [
            {
                "op": "call",
                "method": "linkAccount",
                "args": [
                    {
                        "userId": created["id"],
                        "type": "oauth",
                        "provider": "github",
                        "providerAccountId": account_id,
                        "access_token": "gho_x",
                        "expires_at": 1_800_000_000,
                        "token_type": "bearer",
                        "scope": "read:user",
                    }
                ],
            },
            {
                "op": "call",
                "method": "createSession",
                "args": [{"sessionToken": session_token, "userId": created["id"], "expires": session_expires}],
            },
            {
                "op": "call",
                "method": "createVerificationToken",
                "args": [{"identifier": email, "token": token_value, "expires": token_expires}],
            },
        ]
    )
    expected = {"id": user_id, "name": "Jo Script", "email": email, "emailVerified": verified, "image": None}
    assert await py.get_user(user_id) == expected
    assert await py.get_user_by_email(email) == expected
    assert await py.get_user_by_account("github", account_id) == expected
    assert await py.get_session_and_user(session_token) == (
        {"sessionToken": session_token, "userId": user_id, "expires": session_expires},
        expected,
    )
    assert await py.has_verification_token_expiring_after(email, at(0)) is True
    assert await py.use_verification_token(email, token_value) == {
        "identifier": email,
        "token": token_value,
        "expires": token_expires,
    }
    assert js.call("useVerificationToken", {"identifier": email, "token": token_value}) is None


async def test_updates_are_seen_both_ways(py: PyAdapter, js: PgAdapter) -> None:
    user = await py.create_user({"name": "Before", "email": f"{uuid.uuid4().hex[:8]}@example.test"})
    session = await py.create_session({"sessionToken": uuid.uuid4().hex, "userId": user["id"], "expires": at(1)})

    # A partial update from JavaScript keeps the other columns.
    js.call("updateUser", {"id": int(user["id"]), "name": "From JS"})
    assert await py.get_user(user["id"]) == {**user, "name": "From JS"}
    verified = at(0)
    await py.update_user({"id": user["id"], "emailVerified": verified})
    assert js.call("getUser", user["id"]) == {
        **user,
        "id": int(user["id"]),
        "name": "From JS",
        "emailVerified": verified,
    }

    later = at(48)
    js.call("updateSession", {"sessionToken": session["sessionToken"], "expires": later})
    found = await py.get_session_and_user(session["sessionToken"])
    assert found is not None
    assert found[0]["expires"] == later
    latest = at(72)
    await py.update_session(session["sessionToken"], latest)
    assert js.call("getSessionAndUser", session["sessionToken"])["session"]["expires"] == latest

    js.call("deleteSession", session["sessionToken"])
    assert await py.get_session_and_user(session["sessionToken"]) is None


async def test_javascript_delete_user_cascades(py: PyAdapter, js: PgAdapter) -> None:
    user = await py.create_user({"email": f"{uuid.uuid4().hex[:8]}@example.test"})
    await py.link_account({"userId": user["id"], "type": "oauth", "provider": "github", "providerAccountId": "cascade"})
    sessions = [
        await py.create_session({"sessionToken": uuid.uuid4().hex, "userId": user["id"], "expires": at(1)})
        for _ in range(2)
    ]
    js.call("deleteUser", user["id"])
    assert await py.get_user(user["id"]) is None
    assert await py.get_user_by_account("github", "cascade") is None
    for session in sessions:
        assert await py.get_session_and_user(session["sessionToken"]) is None
    assert await leftovers(py) == []


async def test_python_delete_user_cascades(py: PyAdapter, js: PgAdapter) -> None:
    created = js.call("createUser", {"name": "Doomed", "email": f"{uuid.uuid4().hex[:8]}@example.test"})
    token = uuid.uuid4().hex
    js.run(
        [
            {
                "op": "call",
                "method": "linkAccount",
                "args": [{"userId": created["id"], "type": "oauth", "provider": "github", "providerAccountId": "gone"}],
            },
            {
                "op": "call",
                "method": "createSession",
                "args": [{"sessionToken": token, "userId": created["id"], "expires": at(1)}],
            },
        ]
    )
    await py.delete_user(str(created["id"]))
    gone = js.run(
        [
            {"op": "call", "method": "getUser", "args": [created["id"]]},
            {"op": "call", "method": "getUserByAccount", "args": [{"provider": "github", "providerAccountId": "gone"}]},
            {"op": "call", "method": "getSessionAndUser", "args": [token]},
            {"op": "query", "sql": "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM sessions) AS n"},
        ]
    )
    assert gone == [None, None, None, [{"n": "0"}]]


async def test_pg_adapter_quirks_we_do_not_copy(py: PyAdapter, js: PgAdapter) -> None:
    """What @auth/pg-adapter 1.11.3 returns where our adapter is stricter; fails when they change."""
    user = await py.create_user({"email": f"{uuid.uuid4().hex[:8]}@example.test"})
    token = uuid.uuid4().hex
    await py.create_session({"sessionToken": token, "userId": user["id"], "expires": at(1)})
    updated, linked, deleted, bad_id = js.run(
        [
            # UPDATE without RETURNING: the session is never returned (ours returns it).
            {"op": "call", "method": "updateSession", "args": [{"sessionToken": token, "expires": at(2)}]},
            # parseInt(undefined): expires_at comes back NaN when the provider gave none.
            {
                "op": "call",
                "method": "linkAccount",
                "args": [{"userId": int(user["id"]), "type": "oauth", "provider": "x", "providerAccountId": "1"}],
            },
            # Returns nothing (ours returns the deleted session, for events.signOut).
            {"op": "call", "method": "deleteSession", "args": [token]},
            # A query error swallowed into null.
            {"op": "call", "method": "getUser", "args": ["not-a-number"]},
        ]
    )
    assert updated is None
    assert linked["expires_at"] == {"$nan": True}
    assert deleted is None
    assert bad_id is None


async def test_passkeys_python_writes_pg_adapter_reads_and_deletes(py: PyAdapter, js: PgAdapter) -> None:
    """A passkey registered in Python: @auth/pg-adapter finds its user through the account and
    deletes its authenticator rows with the user. It cannot read authenticators itself: 1.11.3
    has no getAuthenticator / listAuthenticatorsByUserId (fails here when a release adds them)."""
    user = await py.create_user({"email": f"{uuid.uuid4().hex[:8]}@example.test"})
    credential = passkey(user["id"])
    await py.link_account(
        {
            "userId": user["id"],
            "type": "webauthn",
            "provider": "passkey",
            "providerAccountId": credential["credentialID"],
        }
    )
    await py.create_authenticator(credential)
    by_account = {"provider": "passkey", "providerAccountId": credential["credentialID"]}
    found = js.call("getUserByAccount", by_account)
    assert (str(found["id"]), found["email"]) == (user["id"], user["email"])
    for method in ("getAuthenticator", "listAuthenticatorsByUserId"):
        with pytest.raises(PgAdapterError, match=f"no adapter method {method}"):
            js.call(method, credential["credentialID"])
    js.call("deleteUser", user["id"])
    assert await py.get_authenticator(credential["credentialID"]) is None


async def test_password_accounts_keep_the_database_shared(py: PyAdapter, js: PgAdapter) -> None:
    """A password user (authsession's passwords table beside the Auth.js ones) is an ordinary user to
    @auth/pg-adapter: it reads the user and the user's database session, and deleting the user there
    takes the hash with it."""
    email = f"{uuid.uuid4().hex[:8]}@example.test"
    user = await py.create_user({"name": "Pat Password", "email": email, "emailVerified": at(-1)})
    await py.set_password_hash(user["id"], "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g")
    # With the details "Your sessions" lists: deleting the user there cascades to them too.
    session = await py.create_session(
        {
            "sessionToken": uuid.uuid4().hex,
            "userId": user["id"],
            "expires": at(24),
            "createdAt": at(0),
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        }
    )
    by_email, both = js.run(
        [
            {"op": "call", "method": "getUserByEmail", "args": [email]},
            {"op": "call", "method": "getSessionAndUser", "args": [session["sessionToken"]]},
        ]
    )
    assert by_email == {**user, "id": int(user["id"])}
    assert both["user"]["email"] == email
    js.call("deleteUser", int(user["id"]))
    assert await py.get_password_hash(user["id"]) is None
    assert await leftovers(py) == []
