-- The ledger: one global, hash-chained log of entries, and its head.
--
-- Each row keeps the entry's RFC 8785 canonical bytes exactly as hashed (`entry`), its RFC 6962
-- leaf hash, and copies of the fields needed for lookups. Verification re-hashes `entry` and
-- checks the copies against it, so the copies can never silently disagree.

CREATE TABLE ledger_entries (
    position       bigint PRIMARY KEY CHECK (position >= 0),
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    sequence       bigint NOT NULL CHECK (sequence >= 1),
    entry          bytea  NOT NULL,
    leaf_hash      bytea  NOT NULL CHECK (length(leaf_hash) = 32),
    -- Optimistic concurrency: one entry per aggregate and sequence.
    UNIQUE (aggregate_type, aggregate_id, sequence)
);

-- The head: how many entries there are and the leaf hash of the last one (64 zero bits when
-- empty). Appends lock this single row, which serialises them into one chain.
CREATE TABLE ledger_head (
    id        smallint PRIMARY KEY CHECK (id = 1),
    size      bigint   NOT NULL CHECK (size >= 0),
    head_hash bytea    NOT NULL CHECK (length(head_hash) = 32)
);
INSERT INTO ledger_head (id, size, head_hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Immutability: entries are never updated or deleted, the table is never truncated, and the
-- head only moves forward. These hold even for the table's owner (a superuser can drop the
-- triggers; signed checkpoints catch what follows).
CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

CREATE FUNCTION ledger_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.size < OLD.size THEN
        RAISE EXCEPTION 'the ledger head only moves forward: % -> %', OLD.size, NEW.size;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_head_forward
    BEFORE UPDATE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_head_forward_only();
CREATE TRIGGER ledger_head_no_delete
    BEFORE DELETE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_head_no_truncate
    BEFORE TRUNCATE ON ledger_head
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

-- The application works as `htx_ledger_app`, which may read and append but not update or
-- delete entries. Roles belong to the whole cluster, so creating it tolerates another
-- database having created it first.
DO $$
BEGIN
    CREATE ROLE htx_ledger_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END;
$$;

DO $$
BEGIN
    EXECUTE format('GRANT htx_ledger_app TO %I', current_user);
EXCEPTION WHEN duplicate_object OR unique_violation OR invalid_grant_operation THEN
    NULL;
END;
$$;

GRANT USAGE ON SCHEMA public TO htx_ledger_app;
GRANT SELECT, INSERT ON ledger_entries TO htx_ledger_app;
GRANT SELECT, UPDATE ON ledger_head TO htx_ledger_app;
