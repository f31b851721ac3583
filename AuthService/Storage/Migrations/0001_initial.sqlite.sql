-- The AuthService's tables as they were before numbered migrations (IF NOT EXISTS: a file of that time upgrades in place).
-- Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS users (
    username        TEXT PRIMARY KEY,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_sign_in_at INTEGER
);
CREATE TABLE IF NOT EXISTS sessions (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    idle_expires_at     INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    revoked_at          INTEGER,
    revoked_reason      TEXT
);
CREATE INDEX IF NOT EXISTS sessions_active_by_user ON sessions (username) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_by_session ON refresh_tokens (session_id);
CREATE TABLE IF NOT EXISTS admin_seed (
    username    TEXT PRIMARY KEY,
    hash_digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revocations (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);
