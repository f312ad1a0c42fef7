-- Witnesses' cosignatures of the signed checkpoints (C2SP tlog-cosignature, cosignature/v1).
--
-- A checkpoint is signed once, by the log, and stored in `ledger_checkpoints` unchanged; the
-- witnesses cosign it afterwards, one by one, as each answers `add-checkpoint`. Each row is
-- one witness's signature line over the checkpoint of `tree_size`, as it was received and
-- verified with the witness's key from the policy (`witness`, its key name): the checkpoint as
-- published is the stored note followed by these lines. A witness's line for a size is kept
-- once; a later cosignature of the same size by the same witness is not stored (the first
-- one stands). `cosigned_at` is the time the line states (seconds since the Unix epoch), and
-- `received_at` when the log stored it.
CREATE TABLE ledger_cosignatures (
    tree_size   bigint      NOT NULL REFERENCES ledger_checkpoints (tree_size),
    witness     text        NOT NULL,
    line        text        NOT NULL,
    cosigned_at bigint      NOT NULL CHECK (cosigned_at >= 0),
    received_at timestamptz NOT NULL,
    PRIMARY KEY (tree_size, witness)
);

CREATE TRIGGER ledger_cosignatures_append_only
    BEFORE UPDATE OR DELETE ON ledger_cosignatures
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_cosignatures_no_truncate
    BEFORE TRUNCATE ON ledger_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

GRANT SELECT, INSERT ON ledger_cosignatures TO htx_ledger_app;
