-- authsession 003 for SQLite: the authenticators table of ../003_authenticators.sql.

CREATE TABLE IF NOT EXISTS authenticators (
    "credentialID"         TEXT NOT NULL,
    "userId"               INTEGER NOT NULL,
    "providerAccountId"    TEXT NOT NULL,
    "credentialPublicKey"  TEXT NOT NULL,
    counter                INTEGER NOT NULL,
    "credentialDeviceType" TEXT NOT NULL,
    "credentialBackedUp"   BOOLEAN NOT NULL,
    transports             TEXT,
    PRIMARY KEY ("userId", "credentialID"),
    UNIQUE ("credentialID"),
    FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE
);
