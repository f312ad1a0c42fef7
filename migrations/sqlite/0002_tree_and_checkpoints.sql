-- The Merkle tree over the log, and the signed checkpoints of it.
-- The same shape as migrations/postgres/0002_tree_and_checkpoints.sql; see the comments there.

CREATE TABLE ledger_tree_nodes (
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 62),
    node_index INTEGER NOT NULL CHECK (node_index >= 0),
    hash       BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
) WITHOUT ROWID;

CREATE TABLE ledger_checkpoints (
    tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
    root      BLOB    NOT NULL CHECK (length(root) = 32),
    note      TEXT    NOT NULL,
    signed_at TEXT    NOT NULL
);

CREATE TRIGGER ledger_tree_nodes_no_update BEFORE UPDATE ON ledger_tree_nodes
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on ledger_tree_nodes is not allowed');
END;

CREATE TRIGGER ledger_tree_nodes_no_delete BEFORE DELETE ON ledger_tree_nodes
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger_tree_nodes is not allowed');
END;

CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on ledger_checkpoints is not allowed');
END;

CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger_checkpoints is not allowed');
END;
