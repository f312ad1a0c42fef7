-- The ledger: one global, hash-chained log of entries, and its head.
-- The same shape as migrations/postgres/0001_ledger.sql; see the comments there.

CREATE TABLE ledger_entries (
    position       INTEGER PRIMARY KEY CHECK (position >= 0),
    aggregate_type TEXT    NOT NULL,
    aggregate_id   TEXT    NOT NULL,
    sequence       INTEGER NOT NULL CHECK (sequence >= 1),
    entry          BLOB    NOT NULL,
    leaf_hash      BLOB    NOT NULL CHECK (length(leaf_hash) = 32),
    UNIQUE (aggregate_type, aggregate_id, sequence)
);

CREATE TABLE ledger_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    size      INTEGER NOT NULL CHECK (size >= 0),
    head_hash BLOB    NOT NULL CHECK (length(head_hash) = 32)
);
INSERT INTO ledger_head (id, size, head_hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on ledger_entries is not allowed');
END;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger_entries is not allowed');
END;

CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head
WHEN NEW.size < OLD.size
BEGIN
    SELECT RAISE(ABORT, 'the ledger head only moves forward');
END;

CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger_head is not allowed');
END;
