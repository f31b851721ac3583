-- A version per user row: an update applies only to the version it was decided on (no lost updates between replicas).
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
