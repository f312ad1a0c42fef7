//! Shared test support: databases to test against, and a small aggregate for the ledger's own tests.

pub mod backends;
pub mod cli;
pub mod keys;
pub mod log_service;
pub mod owner;
pub mod pg;
pub mod programme;
pub mod server;
pub mod static_files;
pub mod witness;
