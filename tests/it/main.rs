//! Integration tests: one binary, modules only.

mod architecture;
mod dashboard;
mod demo;
mod entry_size;
mod golden;
mod http_api;
mod http_commands;
mod http_statements;
mod idempotency_record;
mod ledger_core;
mod mirror;
mod people;
mod programme_cleanup;
mod programme_payments;
mod projections;
mod projections_funding;
mod projections_lifecycle;
mod registry_duplicates;
mod reports;
mod support;
mod tamper;
mod tiles;
mod verifiable_log;
mod witness;
mod witnessed_ledger;
mod witnessing;
