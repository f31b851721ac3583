-- The RecordingsService's tables, in its own schema. Times are Unix milliseconds, as on SQLite.
CREATE TABLE recordings (
    sid              text PRIMARY KEY,
    account_sid      text NOT NULL,
    call_sid         text NOT NULL,
    status           text NOT NULL,
    status_rank      bigint NOT NULL,
    duration_seconds bigint,
    channels         bigint,
    source           text,
    start_time       bigint,
    sort_at          bigint NOT NULL,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    error_code       bigint
);
CREATE INDEX recordings_newest ON recordings (sort_at DESC, sid DESC);
CREATE INDEX recordings_by_call ON recordings (call_sid, sort_at DESC, sid DESC);
CREATE INDEX recordings_by_status ON recordings (status, sort_at DESC, sid DESC);
