-- authsession 001: the Auth.js SQL schema for PostgreSQL.
--
-- The same tables, columns, types and constraints as @auth/pg-adapter's schema, so a Next.js
-- app on that adapter and a Python app on authsession.adapters.sqlalchemy can share the
-- database. `await SQLAlchemyAdapter(url).create_schema()` creates exactly these tables; use
-- this file instead when you migrate by hand or with a migration tool:
--
--     psql "$DATABASE_URL" --single-transaction -f 001_authjs_schema.sql
--
-- Safe to run again: every statement is IF NOT EXISTS. Column names are case-sensitive camelCase
-- and must stay quoted. Ids are SERIAL integers; authsession hands them out as decimal strings.

CREATE TABLE IF NOT EXISTS users (
    id              SERIAL,
    name            VARCHAR(255),
    email           VARCHAR(255) UNIQUE,
    "emailVerified" TIMESTAMPTZ,
    image           TEXT,
    PRIMARY KEY (id)
);

-- One row per provider account linked to a user. The snake_case token columns are OAuth's names.
CREATE TABLE IF NOT EXISTS accounts (
    id                  SERIAL,
    "userId"            INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    type                VARCHAR(255) NOT NULL,
    provider            VARCHAR(255) NOT NULL,
    "providerAccountId" VARCHAR(255) NOT NULL,
    refresh_token       TEXT,
    access_token        TEXT,
    expires_at          BIGINT,          -- seconds since the epoch
    id_token            TEXT,
    scope               TEXT,
    session_state       TEXT,
    token_type          TEXT,
    PRIMARY KEY (id),
    UNIQUE (provider, "providerAccountId")
);

-- Database sessions: the session cookie holds "sessionToken".
CREATE TABLE IF NOT EXISTS sessions (
    id             SERIAL,
    "userId"       INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    expires        TIMESTAMPTZ NOT NULL,
    "sessionToken" VARCHAR(255) UNIQUE NOT NULL,
    PRIMARY KEY (id)
);

-- Email sign-in tokens (stored hashed), each usable once.
CREATE TABLE IF NOT EXISTS verification_token (
    identifier TEXT NOT NULL,
    expires    TIMESTAMPTZ NOT NULL,
    token      TEXT NOT NULL,
    PRIMARY KEY (identifier, token)
);
