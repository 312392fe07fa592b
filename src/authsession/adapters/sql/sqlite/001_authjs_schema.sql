-- authsession 001 for SQLite: the tables of ../001_authjs_schema.sql as SQLAlchemyAdapter creates
-- them on SQLite (AUTOINCREMENT: ids of deleted users are never reused; foreign keys cascade
-- when the connection turns them on, as Django's and SQLAlchemyAdapter's connections do).

CREATE TABLE IF NOT EXISTS users (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name            VARCHAR(255),
    email           VARCHAR(255),
    "emailVerified" DATETIME,
    image           TEXT,
    UNIQUE (email)
);

CREATE TABLE IF NOT EXISTS verification_token (
    identifier TEXT NOT NULL,
    expires    DATETIME NOT NULL,
    token      TEXT NOT NULL,
    PRIMARY KEY (identifier, token)
);

CREATE TABLE IF NOT EXISTS accounts (
    id                  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId"            INTEGER NOT NULL,
    type                VARCHAR(255) NOT NULL,
    provider            VARCHAR(255) NOT NULL,
    "providerAccountId" VARCHAR(255) NOT NULL,
    refresh_token       TEXT,
    access_token        TEXT,
    expires_at          BIGINT,
    id_token            TEXT,
    scope               TEXT,
    session_state       TEXT,
    token_type          TEXT,
    UNIQUE (provider, "providerAccountId"),
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS sessions (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId"       INTEGER NOT NULL,
    expires        DATETIME NOT NULL,
    "sessionToken" VARCHAR(255) NOT NULL,
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE ("sessionToken")
);
