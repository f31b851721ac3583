-- A user's passkeys (WebAuthn credentials). id: the credential id, base64url; user_handle: the random WebAuthn user
-- id every passkey of one user shares (never the username); public_key: its COSE key, base64url; sign_count: the
-- authenticator's counter as last seen, which must go up (or stay 0) at every use.
CREATE TABLE passkeys (
    id           TEXT PRIMARY KEY,
    username     TEXT NOT NULL,
    user_handle  TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    sign_count   BIGINT NOT NULL,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (username);
-- Ceremonies begun and not finished: the options sent to the browser, taken (deleted) by the one request that
-- finishes them, on whichever replica it reaches; expired ones are refused and cleared.
CREATE TABLE passkey_ceremonies (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    username   TEXT,
    options    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
