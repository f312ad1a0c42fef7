//! The programme's domain: what the ledger records and the rules it enforces.
//!
//! This crate performs no I/O (Architecture Invariant). It holds:
//! - [`ledger`]: the entry encoding (RFC 8785 canonical JSON), the RFC 6962 leaf hash,
//!   the event metadata every entry carries, and the pure chain verifier;
//! - the aggregates of the programme (cooperatives, funding), added by later modules.

pub mod ledger;
pub mod text;
