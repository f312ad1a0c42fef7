-- The registry never overwrites a registration silently. A ledger written before the command
-- side refused it may hold several `CooperativeRegistered` entries for one cooperative code
-- under different aggregate ids; entries are immutable, so the projections keep both:
--
-- 1. `registry` keeps the row of the code's first registration (in position order), followed
--    by the aggregate that recorded it, whatever its aggregate id; a later registration of
--    the code under another aggregate, and that aggregate's later events, no longer replace
--    it.
-- 2. `registry_duplicate_registrations` (new) holds one REG-01 finding per such later
--    registration: the code, both registrations' aggregates and positions, the duplicate's
--    name, dates, status and every position of its aggregate.
-- 3. `dissolution_progress` and `plan_progress` follow the code's first registration too (a
--    duplicate is neither folded into its pipeline nor counted again).
--
-- docs/projections.md describes the table. Projections are derived data: as in
-- 0008_registry_sector.sql, every projection table is emptied and the checkpoints removed, so
-- the projector folds the log again from position 0 with the new rules.

CREATE TABLE registry_duplicate_registrations (
    code                   text   NOT NULL,
    duplicate_position     bigint NOT NULL,
    duplicate_aggregate_id text   NOT NULL,
    first_aggregate_id     text   NOT NULL,
    first_position         bigint NOT NULL,
    rule                   text   NOT NULL,
    rule_name              text   NOT NULL,
    legal_basis            text   NOT NULL,
    kind                   text   NOT NULL,
    name                   text   NOT NULL,
    effective_date         text   NOT NULL,
    recorded_on            text   NOT NULL,
    actor                  text   NOT NULL,
    status                 text   NOT NULL,
    last_effective_date    text   NOT NULL,
    positions              text   NOT NULL,
    PRIMARY KEY (code, duplicate_position)
);

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON registry_duplicate_registrations
    TO htx_ledger_app;

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
