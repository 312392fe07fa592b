-- authsession 002: two-factor sign-in (TOTP) for PostgreSQL.
--
-- authsession's own tables, beside the Auth.js schema of 001 (Auth.js has no two-factor tables;
-- @auth/pg-adapter never reads these, so a Next.js app can share the database as before).
-- `await SQLAlchemyAdapter(url).create_schema()` creates them too. Safe to run again.
--
--     psql "$DATABASE_URL" --single-transaction -f 002_two_factor.sql

-- One row per user enrolled (or enrolling) in TOTP. "secret" is encrypted by authsession with a
-- key derived from the app's secret; "lastStep" is the newest TOTP step used, so a code works once.
CREATE TABLE IF NOT EXISTS two_factor (
    "userId"    INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    "enabledAt" TIMESTAMPTZ,
    "lastStep"  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY ("userId")
);

-- Single-use recovery codes, stored as hashes.
CREATE TABLE IF NOT EXISTS two_factor_recovery_codes (
    "userId"   INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    "codeHash" VARCHAR(255) NOT NULL,
    PRIMARY KEY ("userId", "codeHash")
);
