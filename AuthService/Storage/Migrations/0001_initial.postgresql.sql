-- The AuthService's tables, in its own schema (the connection's search_path). Times are Unix milliseconds, as on SQLite.
CREATE TABLE users (
    username        text PRIMARY KEY,
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'viewer')),
    disabled        bigint NOT NULL DEFAULT 0,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL,
    last_sign_in_at bigint
);
CREATE TABLE sessions (
    id                  text PRIMARY KEY,
    username            text NOT NULL,
    created_at          bigint NOT NULL,
    idle_expires_at     bigint NOT NULL,
    absolute_expires_at bigint NOT NULL,
    revoked_at          bigint,
    revoked_reason      text
);
CREATE INDEX sessions_active_by_user ON sessions (username) WHERE revoked_at IS NULL;
CREATE TABLE refresh_tokens (
    token_hash  text PRIMARY KEY,
    session_id  text NOT NULL,
    created_at  bigint NOT NULL,
    used_at     bigint
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
CREATE TABLE admin_seed (
    username    text PRIMARY KEY,
    hash_digest text NOT NULL
);
CREATE TABLE revocations (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  text NOT NULL,
    expires_at  bigint NOT NULL
);
