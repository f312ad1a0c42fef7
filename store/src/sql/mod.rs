//! The SQL of the store. Only this module and its children hold statements, each written once
//! for both backends as a [`statement::Statement`] (`$1`, `$2`, … placeholders), and run
//! through it, where every statement is counted; what the backends genuinely do differently
//! (PostgreSQL's `unnest` batches, `COPY`, row locks) is written twice, side by side, and
//! marked so.
//!
//! - [`statement`]: the statement, the places it runs, transactions, integer conversions;
//! - [`rows`]: the rows of the log, the head and the tree;
//! - [`log`]: the head, and the entries a [`log::LogFilter`] selects;
//! - [`write`]: the write transaction and the appender's one-statement write;
//! - [`bulk`]: the mirror's copy of a verified log (SQLite through a connection of its own);
//! - [`copy_binary`]: PostgreSQL's binary `COPY` rows;
//! - [`tree`], [`checkpoints`], [`cosignatures`], [`projection`], [`service`]: the tree's
//!   nodes, the signed checkpoints and their witnesses' cosignatures, the projection tables,
//!   and what the HTTP service remembers.

pub mod bulk;
pub mod checkpoints;
pub(crate) mod copy_binary;
pub mod cosignatures;
pub mod log;
pub mod projection;
pub mod rows;
pub mod service;
pub mod statement;
pub mod tree;
pub mod write;
