-- Only successes are remembered under an idempotency key (since issue 13), and the response
-- is now written in the same statement or transaction as the entries it reports, so that a
-- command whose answer was lost is answered from it and not written twice. Versions before
-- issue 13 also remembered refusals; such a row would keep the success of a corrected retry
-- from being remembered (the insert does nothing on a conflict), and a third try would then
-- be written again. They wrote nothing and are ignored since: remove them.
--
-- Unlike what 0007's comment says, this table is no longer safe to empty: a retry is
-- recognised only by its row here.

DELETE FROM api_idempotency WHERE status >= 400;
