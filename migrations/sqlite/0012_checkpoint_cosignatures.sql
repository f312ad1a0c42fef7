-- The same shape as migrations/postgres/0012_checkpoint_cosignatures.sql; see the comments
-- there.

CREATE TABLE ledger_cosignatures (
    tree_size   INTEGER NOT NULL REFERENCES ledger_checkpoints (tree_size),
    witness     TEXT    NOT NULL,
    line        TEXT    NOT NULL,
    cosigned_at INTEGER NOT NULL CHECK (cosigned_at >= 0),
    received_at TEXT    NOT NULL,
    PRIMARY KEY (tree_size, witness)
) WITHOUT ROWID;

CREATE TRIGGER ledger_cosignatures_no_update BEFORE UPDATE ON ledger_cosignatures
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on ledger_cosignatures is not allowed');
END;

CREATE TRIGGER ledger_cosignatures_no_delete BEFORE DELETE ON ledger_cosignatures
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger_cosignatures is not allowed');
END;
