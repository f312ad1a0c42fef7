-- The lifecycle projections: dissolution progress (the pipeline from inactivity detected to
-- dissolved, the 2017 clean-up, the 6-month timers) and plan progress (per year and
-- district-level unit against plan 31/KH-UBND's targets). docs/projections.md describes every
-- column. Derived data: `htx-ledger replay` rebuilds them from the log at any time.
-- `dissolution_state` and `plan_progress_state` are internal (the folds' memory).

CREATE TABLE dissolution_progress (
    code                       text    NOT NULL,
    name                       text    NOT NULL,
    kind                       text    NOT NULL,
    address_unit               text    NOT NULL,
    current_unit               text    NOT NULL,
    status                     text    NOT NULL,
    stage                      text    NOT NULL,
    stage_since                text    NOT NULL,
    cause                      text,
    outcome                    text    NOT NULL,
    outcome_on                 text,
    in_cleanup_2017            boolean NOT NULL,
    inactive_in_2017           boolean NOT NULL,
    pre_2013_not_re_registered boolean NOT NULL,
    registered_on              text    NOT NULL,
    re_registered_on           text,
    entered_on                 text    NOT NULL,
    inactivity_detected_on     text,
    months_inactive            bigint,
    grounds_found_on           text,
    grounds                    text    NOT NULL,
    revoked_on                 text,
    tax_enforcement            boolean NOT NULL,
    dissolution_started_on     text,
    published_on               text,
    dissolution_due_on         text,
    ended_on                   text,
    dissolution_mode           text,
    last_effective_date        text    NOT NULL,
    positions                  text    NOT NULL,
    PRIMARY KEY (code)
);

CREATE INDEX dissolution_progress_by_stage ON dissolution_progress (stage, current_unit);

CREATE TABLE dissolution_state (
    kind  text    NOT NULL,
    id    text    NOT NULL,
    state text    NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE TABLE plan_progress (
    year                          bigint  NOT NULL,
    unit                          text    NOT NULL,
    unit_name                     text    NOT NULL,
    current_unit                  text    NOT NULL,
    region                        text,
    cooperatives_year_end         bigint  NOT NULL,
    unions_year_end               bigint  NOT NULL,
    new_registrations             bigint  NOT NULL,
    re_registrations              bigint  NOT NULL,
    dissolved                     bigint  NOT NULL,
    unions_formed                 bigint  NOT NULL,
    training_classes              bigint  NOT NULL,
    training_learners             bigint  NOT NULL,
    classes_so_nnptnt             bigint  NOT NULL,
    learners_so_nnptnt            bigint  NOT NULL,
    classes_lien_minh             bigint  NOT NULL,
    learners_lien_minh            bigint  NOT NULL,
    classes_other_organiser       bigint  NOT NULL,
    learners_other_organiser      bigint  NOT NULL,
    classes_east                  bigint  NOT NULL,
    learners_east                 bigint  NOT NULL,
    classes_west                  bigint  NOT NULL,
    learners_west                 bigint  NOT NULL,
    classes_unassigned_region     bigint  NOT NULL,
    learners_unassigned_region    bigint  NOT NULL,
    classes_outside_30_50         bigint  NOT NULL,
    training_cost                 bigint  NOT NULL,
    training_funds_assigned       bigint  NOT NULL,
    model_cooperatives            bigint  NOT NULL,
    units_with_model              bigint,
    target_cooperatives_by_2020   bigint,
    target_new_registrations      bigint,
    target_unions_by_2020         bigint,
    target_training_classes       bigint,
    target_classes_so_nnptnt_east bigint,
    target_classes_lien_minh_west bigint,
    target_learners_per_class_min bigint,
    target_learners_per_class_max bigint,
    target_training_funds         bigint,
    target_model_per_unit_min     bigint,
    target_model_per_unit_max     bigint,
    sources                       bigint  NOT NULL,
    PRIMARY KEY (year, unit)
);

CREATE INDEX plan_progress_by_current_unit ON plan_progress (current_unit, year);

CREATE TABLE plan_progress_sources (
    year           bigint  NOT NULL,
    unit           text    NOT NULL,
    measure        text    NOT NULL,
    subject        text    NOT NULL,
    value          bigint  NOT NULL,
    effective_date text    NOT NULL,
    positions      text    NOT NULL,
    PRIMARY KEY (year, unit, measure, subject)
);

CREATE TABLE plan_progress_state (
    kind          text    NOT NULL,
    id            text    NOT NULL,
    state         text    NOT NULL,
    contributions text    NOT NULL,
    PRIMARY KEY (kind, id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON dissolution_progress, dissolution_state, plan_progress,
    plan_progress_sources, plan_progress_state TO htx_ledger_app;
