-- A user's TOTP second factor (RFC 6238). secret: the shared key, base32; confirmed_at null while the user is still
-- enrolling; last_step: the highest 30-second step a code was accepted for, so each code is accepted once.
CREATE TABLE second_factors (
    username     text PRIMARY KEY,
    secret       text NOT NULL,
    created_at   bigint NOT NULL,
    confirmed_at bigint,
    last_step    bigint NOT NULL DEFAULT -1
);
-- One-time recovery codes: only their SHA-256 is kept; used_at set when one is spent.
CREATE TABLE recovery_codes (
    username  text NOT NULL,
    code_hash text NOT NULL,
    used_at   bigint,
    PRIMARY KEY (username, code_hash)
);
