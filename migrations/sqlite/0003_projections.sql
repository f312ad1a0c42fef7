-- The projections' checkpoint and the registry projection.
-- The same shape as migrations/postgres/0003_projections.sql; see the comments there.

CREATE TABLE projection_checkpoint (
    id       TEXT   PRIMARY KEY,
    -- The number of entries folded into the projections: positions 0 .. position - 1.
    position INTEGER NOT NULL CHECK (position >= 0)
);

CREATE TABLE registry (
    code                 TEXT    PRIMARY KEY,
    kind                 TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    status_label_vi      TEXT    NOT NULL,
    status_item          INTEGER  NOT NULL,
    status_since         TEXT,
    address              TEXT    NOT NULL,
    address_unit         TEXT    NOT NULL,
    current_unit         TEXT    NOT NULL,
    representative       TEXT    NOT NULL,
    representative_title TEXT    NOT NULL,
    charter_capital      INTEGER  NOT NULL,
    members_official     INTEGER  NOT NULL,
    members_associate    INTEGER  NOT NULL,
    member_cooperatives  INTEGER  NOT NULL,
    unions               TEXT    NOT NULL,
    origin               TEXT    NOT NULL,
    predecessors         TEXT    NOT NULL,
    successors           TEXT    NOT NULL,
    absorbed             TEXT    NOT NULL,
    registered_on        TEXT,
    re_registered_on     TEXT,
    governing_law        TEXT    NOT NULL,
    certificate_no       TEXT    NOT NULL,
    model_years          TEXT    NOT NULL,
    last_effective_date  TEXT    NOT NULL,
    positions            TEXT    NOT NULL
);
CREATE INDEX registry_by_unit ON registry (current_unit, status);

-- Internal: each cooperative's domain state, from which the registry rows are read.
CREATE TABLE registry_state (
    code  TEXT PRIMARY KEY,
    state TEXT NOT NULL
);

CREATE TABLE registry_units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    unit_type   TEXT NOT NULL,
    parent      TEXT,
    valid_from  TEXT,
    last_day    TEXT,
    merged_into TEXT,
    positions   TEXT NOT NULL
);

