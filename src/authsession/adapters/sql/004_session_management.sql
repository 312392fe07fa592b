-- authsession 004: "Your sessions" and "sign out everywhere" for PostgreSQL.
--
-- authsession's own tables, beside the Auth.js schema of 001 (its sessions table is unchanged,
-- so @auth/pg-adapter reads and writes sessions as before; a session it creates simply has no
-- details row). `await SQLAlchemyAdapter(url).create_schema()` creates them too. Safe to run again.
--
--     psql "$DATABASE_URL" --single-transaction -f 004_session_management.sql

-- When a session was created, and from which browser and address if the app records them.
CREATE TABLE IF NOT EXISTS session_details (
    "sessionToken" VARCHAR(255) NOT NULL REFERENCES sessions ("sessionToken") ON DELETE CASCADE,
    "createdAt"    TIMESTAMPTZ,
    "userAgent"    TEXT,
    ip             VARCHAR(45),
    PRIMARY KEY ("sessionToken")
);

-- A per-user counter: JWT sessions issued under an older generation no longer open.
CREATE TABLE IF NOT EXISTS session_generations (
    "userId"   INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    generation BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY ("userId")
);
