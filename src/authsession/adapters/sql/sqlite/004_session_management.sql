-- authsession 004 for SQLite: the session-management tables of ../004_session_management.sql,
-- as SQLAlchemyAdapter creates them on SQLite.

CREATE TABLE IF NOT EXISTS session_details (
    "sessionToken" VARCHAR(255) NOT NULL,
    "createdAt"    DATETIME,
    "userAgent"    TEXT,
    ip             VARCHAR(45),
    PRIMARY KEY ("sessionToken"),
    FOREIGN KEY ("sessionToken") REFERENCES sessions ("sessionToken") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS session_generations (
    "userId"   INTEGER NOT NULL,
    generation BIGINT DEFAULT 0 NOT NULL,
    PRIMARY KEY ("userId"),
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE
);
