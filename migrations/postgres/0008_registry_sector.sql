-- The registry records each cooperative's main sector (ngành nghề chính): `registry.sector`,
-- the sector's stored name, NULL when the registration recorded none (entries made before
-- the registry recorded sectors). docs/projections.md describes the column.
--
-- Projections are derived data: as in 0006_shared_cooperative_state.sql, every projection
-- table is emptied and the checkpoints removed, so the projector folds the log again from
-- position 0 and fills the new column. The grants on `registry` are table-wide and cover the
-- new column.

ALTER TABLE registry ADD COLUMN sector text;

DELETE FROM cooperative_state;
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
