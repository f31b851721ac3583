-- "Every session issued before this time is revoked" (sessions revoke-all): one row, however many sessions.
CREATE TABLE revoked_before (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);
