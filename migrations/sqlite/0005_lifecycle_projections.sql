-- The lifecycle projections.
-- The same shape as migrations/postgres/0005_lifecycle_projections.sql; see the comments there.

CREATE TABLE dissolution_progress (
    code                       TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    kind                       TEXT    NOT NULL,
    address_unit               TEXT    NOT NULL,
    current_unit               TEXT    NOT NULL,
    status                     TEXT    NOT NULL,
    stage                      TEXT    NOT NULL,
    stage_since                TEXT    NOT NULL,
    cause                      TEXT,
    outcome                    TEXT    NOT NULL,
    outcome_on                 TEXT,
    in_cleanup_2017            INTEGER NOT NULL,
    inactive_in_2017           INTEGER NOT NULL,
    pre_2013_not_re_registered INTEGER NOT NULL,
    registered_on              TEXT    NOT NULL,
    re_registered_on           TEXT,
    entered_on                 TEXT    NOT NULL,
    inactivity_detected_on     TEXT,
    months_inactive            INTEGER,
    grounds_found_on           TEXT,
    grounds                    TEXT    NOT NULL,
    revoked_on                 TEXT,
    tax_enforcement            INTEGER NOT NULL,
    dissolution_started_on     TEXT,
    published_on               TEXT,
    dissolution_due_on         TEXT,
    ended_on                   TEXT,
    dissolution_mode           TEXT,
    last_effective_date        TEXT    NOT NULL,
    positions                  TEXT    NOT NULL,
    PRIMARY KEY (code)
);

CREATE INDEX dissolution_progress_by_stage ON dissolution_progress (stage, current_unit);

CREATE TABLE dissolution_state (
    kind  TEXT    NOT NULL,
    id    TEXT    NOT NULL,
    state TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE TABLE plan_progress (
    year                          INTEGER NOT NULL,
    unit                          TEXT    NOT NULL,
    unit_name                     TEXT    NOT NULL,
    current_unit                  TEXT    NOT NULL,
    region                        TEXT,
    cooperatives_year_end         INTEGER NOT NULL,
    unions_year_end               INTEGER NOT NULL,
    new_registrations             INTEGER NOT NULL,
    re_registrations              INTEGER NOT NULL,
    dissolved                     INTEGER NOT NULL,
    unions_formed                 INTEGER NOT NULL,
    training_classes              INTEGER NOT NULL,
    training_learners             INTEGER NOT NULL,
    classes_so_nnptnt             INTEGER NOT NULL,
    learners_so_nnptnt            INTEGER NOT NULL,
    classes_lien_minh             INTEGER NOT NULL,
    learners_lien_minh            INTEGER NOT NULL,
    classes_other_organiser       INTEGER NOT NULL,
    learners_other_organiser      INTEGER NOT NULL,
    classes_east                  INTEGER NOT NULL,
    learners_east                 INTEGER NOT NULL,
    classes_west                  INTEGER NOT NULL,
    learners_west                 INTEGER NOT NULL,
    classes_unassigned_region     INTEGER NOT NULL,
    learners_unassigned_region    INTEGER NOT NULL,
    classes_outside_30_50         INTEGER NOT NULL,
    training_cost                 INTEGER NOT NULL,
    training_funds_assigned       INTEGER NOT NULL,
    model_cooperatives            INTEGER NOT NULL,
    units_with_model              INTEGER,
    target_cooperatives_by_2020   INTEGER,
    target_new_registrations      INTEGER,
    target_unions_by_2020         INTEGER,
    target_training_classes       INTEGER,
    target_classes_so_nnptnt_east INTEGER,
    target_classes_lien_minh_west INTEGER,
    target_learners_per_class_min INTEGER,
    target_learners_per_class_max INTEGER,
    target_training_funds         INTEGER,
    target_model_per_unit_min     INTEGER,
    target_model_per_unit_max     INTEGER,
    sources                       INTEGER NOT NULL,
    PRIMARY KEY (year, unit)
);

CREATE INDEX plan_progress_by_current_unit ON plan_progress (current_unit, year);

CREATE TABLE plan_progress_sources (
    year           INTEGER NOT NULL,
    unit           TEXT    NOT NULL,
    measure        TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    value          INTEGER NOT NULL,
    effective_date TEXT    NOT NULL,
    positions      TEXT    NOT NULL,
    PRIMARY KEY (year, unit, measure, subject)
);

CREATE TABLE plan_progress_state (
    kind          TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    contributions TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);
