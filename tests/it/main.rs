//! Integration tests: one binary, modules only.

mod demo;
mod ledger_core;
mod programme_cleanup;
mod programme_payments;
mod support;
mod tamper;
mod verifiable_log;
