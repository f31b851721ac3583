-- The audit, in the owning service's schema. Times are Unix milliseconds.
CREATE TABLE audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         bigint NOT NULL,
    action     text NOT NULL,
    actor      text,
    target     text,
    client_ip  text,
    outcome    text NOT NULL,
    detail     text
);
CREATE INDEX audit_at ON audit (at);
