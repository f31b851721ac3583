-- The RecordingsService's tables as they were before numbered migrations (IF NOT EXISTS: a file of that time
-- upgrades in place). Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS recordings (
    sid              TEXT PRIMARY KEY,
    account_sid      TEXT NOT NULL,
    call_sid         TEXT NOT NULL,
    status           TEXT NOT NULL,
    status_rank      INTEGER NOT NULL,
    duration_seconds INTEGER,
    channels         INTEGER,
    source           TEXT,
    start_time       INTEGER,
    sort_at          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    error_code       INTEGER
);
CREATE INDEX IF NOT EXISTS recordings_newest ON recordings (sort_at DESC, sid DESC);
CREATE INDEX IF NOT EXISTS recordings_by_call ON recordings (call_sid, sort_at DESC, sid DESC);
CREATE INDEX IF NOT EXISTS recordings_by_status ON recordings (status, sort_at DESC, sid DESC);
