-- The registry keeps every registration of a code: the first keeps `registry`, each later one
-- under another aggregate id is a REG-01 finding in `registry_duplicate_registrations`.
-- The same change as migrations/postgres/0010_registry_duplicate_registrations.sql; see the
-- comments there.

CREATE TABLE registry_duplicate_registrations (
    code                   TEXT    NOT NULL,
    duplicate_position     INTEGER NOT NULL,
    duplicate_aggregate_id TEXT    NOT NULL,
    first_aggregate_id     TEXT    NOT NULL,
    first_position         INTEGER NOT NULL,
    rule                   TEXT    NOT NULL,
    rule_name              TEXT    NOT NULL,
    legal_basis            TEXT    NOT NULL,
    kind                   TEXT    NOT NULL,
    name                   TEXT    NOT NULL,
    effective_date         TEXT    NOT NULL,
    recorded_on            TEXT    NOT NULL,
    actor                  TEXT    NOT NULL,
    status                 TEXT    NOT NULL,
    last_effective_date    TEXT    NOT NULL,
    positions              TEXT    NOT NULL,
    PRIMARY KEY (code, duplicate_position)
);

DELETE FROM registry;
DELETE FROM registry_units;
DELETE FROM funding_balances;
DELETE FROM funding_movements;
DELETE FROM funding_as_of;
DELETE FROM settlement_checks;
DELETE FROM settlement_check_state;
DELETE FROM beneficiary_history;
DELETE FROM dissolution_progress;
DELETE FROM dissolution_state;
DELETE FROM plan_progress;
DELETE FROM plan_progress_sources;
DELETE FROM plan_progress_state;
DELETE FROM projection_checkpoint;
