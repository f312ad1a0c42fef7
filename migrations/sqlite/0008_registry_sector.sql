-- The registry records each cooperative's main sector (NULL when none was recorded).
-- The same change as migrations/postgres/0008_registry_sector.sql; see the comments there.

ALTER TABLE registry ADD COLUMN sector TEXT;

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
