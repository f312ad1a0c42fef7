-- The HTTP service's idempotency keys: the first response to each (person, key), so that a
-- retried command (a timed-out payment, say) returns it again and writes nothing new.
-- Not part of the log: a convenience of the service, safe to empty (a retry after that is
-- still caught by the key recorded in the entries' metadata, see api/src/http/idempotency.rs).

CREATE TABLE api_idempotency (
    user_id          text    NOT NULL,
    idempotency_key  text    NOT NULL,
    request_sha256   text    NOT NULL,
    status           integer NOT NULL,
    response         text    NOT NULL,
    recorded_at      text    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (user_id, idempotency_key)
);
