-- The projections' checkpoint and the registry projection. Projection tables are plain
-- tables that psql, Grafana or Metabase can read; docs/projections.md describes every column.
-- They are derived data: `htx-ledger replay` rebuilds them from the log at any time.

CREATE TABLE projection_checkpoint (
    id       text   PRIMARY KEY,
    -- The number of entries folded into the projections: positions 0 .. position - 1.
    position bigint NOT NULL CHECK (position >= 0)
);

CREATE TABLE registry (
    code                 text    PRIMARY KEY,
    kind                 text    NOT NULL,
    name                 text    NOT NULL,
    status               text    NOT NULL,
    status_label_vi      text    NOT NULL,
    status_item          bigint  NOT NULL,
    status_since         text,
    address              text    NOT NULL,
    address_unit         text    NOT NULL,
    current_unit         text    NOT NULL,
    representative       text    NOT NULL,
    representative_title text    NOT NULL,
    charter_capital      bigint  NOT NULL,
    members_official     bigint  NOT NULL,
    members_associate    bigint  NOT NULL,
    member_cooperatives  bigint  NOT NULL,
    unions               text    NOT NULL,
    origin               text    NOT NULL,
    predecessors         text    NOT NULL,
    successors           text    NOT NULL,
    absorbed             text    NOT NULL,
    registered_on        text,
    re_registered_on     text,
    governing_law        text    NOT NULL,
    certificate_no       text    NOT NULL,
    model_years          text    NOT NULL,
    last_effective_date  text    NOT NULL,
    positions            text    NOT NULL
);
CREATE INDEX registry_by_unit ON registry (current_unit, status);

-- Internal: each cooperative's domain state, from which the registry rows are read.
CREATE TABLE registry_state (
    code  text PRIMARY KEY,
    state text NOT NULL
);

CREATE TABLE registry_units (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    unit_type   text NOT NULL,
    parent      text,
    valid_from  text,
    last_day    text,
    merged_into text,
    positions   text NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoint, registry, registry_state, registry_units TO htx_ledger_app;
