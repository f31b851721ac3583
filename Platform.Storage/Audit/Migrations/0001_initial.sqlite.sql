-- The audit as it was before numbered migrations (IF NOT EXISTS: a file of that time upgrades in place).
CREATE TABLE IF NOT EXISTS audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT,
    target     TEXT,
    client_ip  TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
