//! Integration tests: one binary, modules only.

mod ledger_core;
mod programme_cleanup;
mod programme_payments;
mod projections_funding;
mod support;
mod tamper;
mod verifiable_log;
