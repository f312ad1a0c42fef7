-- The same change as migrations/postgres/0011_api_idempotency_successes_only.sql; see the
-- comments there.

DELETE FROM api_idempotency WHERE status >= 400;
