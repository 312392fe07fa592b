-- authsession 005 for SQLite: the passwords table of ../005_passwords.sql, as SQLAlchemyAdapter
-- creates it on SQLite.

CREATE TABLE IF NOT EXISTS passwords (
    "userId"    INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    PRIMARY KEY ("userId"),
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE
);
