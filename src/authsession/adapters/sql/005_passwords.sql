-- authsession 005: password accounts (authsession.providers.password) for PostgreSQL.
--
-- authsession's own table, beside the Auth.js schema of 001: the argon2id hash of each password
-- user, keyed by the Auth.js users.id. @auth/pg-adapter never reads it, so a Next.js app can share
-- the database. `await SQLAlchemyAdapter(url).create_schema()` creates it too. Safe to run again.
--
--     psql "$DATABASE_URL" --single-transaction -f 005_passwords.sql

CREATE TABLE IF NOT EXISTS passwords (
    "userId"    INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ NOT NULL,
    PRIMARY KEY ("userId")
);
