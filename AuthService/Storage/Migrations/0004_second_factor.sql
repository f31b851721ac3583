-- A user's TOTP second factor (RFC 6238). secret: the shared key, base32; confirmed_at null while the user is still
-- enrolling; last_step: the highest 30-second step a code was accepted for, so each code is accepted once.
CREATE TABLE second_factors (
    username     TEXT PRIMARY KEY,
    secret       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT -1
);
-- One-time recovery codes: only their SHA-256 is kept; used_at set when one is spent.
CREATE TABLE recovery_codes (
    username  TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (username, code_hash)
);
