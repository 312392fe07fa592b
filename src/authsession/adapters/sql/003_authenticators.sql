-- authsession 003: the passkey (WebAuthn) credentials table of Auth.js 5, for PostgreSQL.
--
-- Auth.js 5 defines an Authenticator record (credentialID, userId, providerAccountId,
-- credentialPublicKey, counter, credentialDeviceType, credentialBackedUp, transports) with the
-- primary key (userId, credentialID); @auth/pg-adapter has no table for it, so this is that
-- record on this schema: "userId" is the INTEGER id of users, as in accounts and sessions.
-- Apply it after 001; every statement is IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS authenticators (
    "credentialID"         TEXT NOT NULL UNIQUE,
    "userId"               INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    "providerAccountId"    TEXT NOT NULL,
    "credentialPublicKey"  TEXT NOT NULL,
    counter                INTEGER NOT NULL,
    "credentialDeviceType" TEXT NOT NULL,
    "credentialBackedUp"   BOOLEAN NOT NULL,
    transports             TEXT,
    PRIMARY KEY ("userId", "credentialID")
);
