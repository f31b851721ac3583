-- What changed since a time: a dashboard reconnecting after a gap receives it (live events' replay).
CREATE INDEX IF NOT EXISTS recordings_by_update ON recordings (updated_at, sid);
