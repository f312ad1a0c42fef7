-- The Merkle tree over the log (RFC 6962), and the signed checkpoints of it.
--
-- `ledger_tree_nodes` keeps the hash of every complete perfect subtree above the leaves: the
-- node at `level` L and `node_index` i covers the leaves (positions) i*2^L .. (i+1)*2^L - 1.
-- The leaves themselves are `ledger_entries.leaf_hash`. Nodes are written in the transaction
-- that appends the leaf completing them, and never change; any proof or root for any tree
-- size is then O(log n) reads. Invariant: every subtree that lies wholly below the head's
-- size is stored.

CREATE TABLE ledger_tree_nodes (
    level      smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
    node_index bigint   NOT NULL CHECK (node_index >= 0),
    hash       bytea    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, node_index)
);

-- A checkpoint: a C2SP tlog-checkpoint signed note, as signed (`note`), with the size and
-- root it commits to. The log signs a new checkpoint only after checking that it extends the
-- latest one.
CREATE TABLE ledger_checkpoints (
    tree_size bigint      PRIMARY KEY CHECK (tree_size >= 0),
    root      bytea       NOT NULL CHECK (length(root) = 32),
    note      text        NOT NULL,
    signed_at timestamptz NOT NULL
);

CREATE TRIGGER ledger_tree_nodes_append_only
    BEFORE UPDATE OR DELETE ON ledger_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_tree_nodes_no_truncate
    BEFORE TRUNCATE ON ledger_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_checkpoints_append_only
    BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_checkpoints_no_truncate
    BEFORE TRUNCATE ON ledger_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

GRANT SELECT, INSERT ON ledger_tree_nodes TO htx_ledger_app;
GRANT SELECT, INSERT ON ledger_checkpoints TO htx_ledger_app;
