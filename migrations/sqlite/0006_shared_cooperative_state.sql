-- One shared copy of each cooperative's domain state.
-- The same change as migrations/postgres/0006_shared_cooperative_state.sql; see the comments
-- there.

CREATE TABLE cooperative_state (
    code  TEXT PRIMARY KEY,
    state TEXT NOT NULL
);

DROP TABLE registry_state;

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
