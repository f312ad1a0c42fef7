//! The programme's domain: what the ledger records and the rules it enforces.
//!
//! This crate performs no I/O (Architecture Invariant). It holds:
//! - [`ledger`]: the entry encoding (RFC 8785 canonical JSON), the RFC 6962 leaf hash,
//!   the event metadata every entry carries, and the pure chain verifier;
//! - [`cooperative`]: the registry aggregate (one cooperative or union per 10-digit code);
//! - [`funding`]: budget lines, support cases, training classes and settlements;
//! - [`reference`](mod@reference): legal documents, support rule sets, administrative units, regions, and
//!   the seed data as commands;
//! - [`rules`]: every rule code with its names and legal basis; [`catalogue`]: every event
//!   type per aggregate;
//! - [`services`]: the cross-aggregate lookups the store implements; [`testing`]: an
//!   in-memory implementation of them.

pub mod address;
pub mod catalogue;
pub mod code;
pub mod command;
pub mod cooperative;
pub mod document;
#[cfg(test)]
mod fixtures;
pub mod funding;
pub mod ledger;
mod listed;
pub mod money;
pub mod people;
pub mod reference;
pub mod rules;
pub mod services;
pub mod testing;
pub mod text;

#[cfg(test)]
mod invariants;

#[cfg(test)]
mod rule_coverage;

#[cfg(all(test, feature = "openapi"))]
mod openapi_tests;
