//! Integration tests: one binary, modules only.

mod ledger_core;
mod support;
mod tamper;
