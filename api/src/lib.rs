//! The `htx-ledger` binary's library: its command line.
//!
//! Error policy: typed errors from `domain` and `store` are turned into messages and exit
//! codes here, at the edge; `anyhow` is used only in this crate's command handlers.

pub mod cli;
pub mod http;
