-- The revocation feed's epoch: a random name for this feed's sequence. It changes when the sequence can no longer be
-- trusted to continue where verifiers left it (sessions revoke-all, run after a restore), and a verifier that sees a
-- new one reads the feed again from the start.
CREATE TABLE revocation_epoch (
    id    bigint PRIMARY KEY CHECK (id = 1),
    epoch text NOT NULL
);
INSERT INTO revocation_epoch (id, epoch) VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16));
