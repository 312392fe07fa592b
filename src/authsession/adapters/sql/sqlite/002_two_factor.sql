-- authsession 002 for SQLite: the two-factor tables of ../002_two_factor.sql, as
-- SQLAlchemyAdapter creates them on SQLite.

CREATE TABLE IF NOT EXISTS two_factor (
    "userId"    INTEGER NOT NULL,
    secret      TEXT NOT NULL,
    "enabledAt" DATETIME,
    "lastStep"  BIGINT DEFAULT 0 NOT NULL,
    PRIMARY KEY ("userId"),
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS two_factor_recovery_codes (
    "userId"   INTEGER NOT NULL,
    "codeHash" VARCHAR(255) NOT NULL,
    PRIMARY KEY ("userId", "codeHash"),
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE
);
