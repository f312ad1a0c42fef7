//! The directory: the last sequence of every aggregate in the log, as this process knows it.
//!
//! The appender primes it at start (one scan of the sequence index, under the head lock) and
//! keeps it current with every append it writes. While it is *complete*, an aggregate missing
//! from it has no entries, so creating one (a registration, a new budget line) needs no read.
//! Another process's append makes it stale; the appender notices that at its next write (the
//! keys refuse the write) and marks it incomplete, and from then on loads read the database.
//! A decision taken on a stale answer never lands: its append names the sequence it expected.

use std::collections::HashMap;
use std::sync::RwLock;

/// How many aggregates the directory holds before it gives up being complete.
const MAX_AGGREGATES: usize = 2_000_000;

#[derive(Debug, Default)]
pub struct Directory {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    complete: bool,
    size: usize,
    /// aggregate type -> aggregate id -> last sequence.
    sequences: HashMap<String, HashMap<String, u64>>,
}

impl Directory {
    /// Whether the aggregate certainly has no entries yet.
    pub fn is_new(&self, aggregate_type: &str, aggregate_id: &str) -> bool {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.complete && state.get(aggregate_type, aggregate_id).is_none()
    }

    /// The aggregate's last sequence, when known (0 for one the complete directory lacks).
    pub(crate) fn last_sequence(&self, aggregate_type: &str, aggregate_id: &str) -> Option<u64> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        match state.get(aggregate_type, aggregate_id) {
            Some(last) => Some(last),
            None if state.complete => Some(0),
            None => None,
        }
    }

    /// Replaces the contents with a full scan of the log.
    pub(crate) fn prime(&self, all: impl IntoIterator<Item = (String, String, u64)>) {
        let mut fresh = State {
            complete: true,
            ..State::default()
        };
        for (aggregate_type, aggregate_id, last) in all {
            fresh.set(aggregate_type, aggregate_id, last);
        }
        fresh.complete = fresh.size <= MAX_AGGREGATES;
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = fresh;
    }

    /// Records the last sequences written by one batch.
    pub(crate) fn extend(&self, written: impl IntoIterator<Item = ((String, String), u64)>) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        for ((aggregate_type, aggregate_id), last) in written {
            state.set(aggregate_type, aggregate_id, last);
        }
        if state.size > MAX_AGGREGATES {
            *state = State::default();
        }
    }

    /// Forgets everything: someone else wrote, or a write failed.
    pub(crate) fn forget(&self) {
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = State::default();
    }
}

impl State {
    fn get(&self, aggregate_type: &str, aggregate_id: &str) -> Option<u64> {
        self.sequences
            .get(aggregate_type)?
            .get(aggregate_id)
            .copied()
    }

    fn set(&mut self, aggregate_type: String, aggregate_id: String, last: u64) {
        if self
            .sequences
            .entry(aggregate_type)
            .or_default()
            .insert(aggregate_id, last)
            .is_none()
        {
            self.size += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_complete_directory_says_an_aggregate_is_new() {
        let directory = Directory::default();
        assert!(!directory.is_new("cooperative", "5700100001"));
        assert_eq!(directory.last_sequence("cooperative", "5700100001"), None);
        directory.prime([("cooperative".to_string(), "5700100002".to_string(), 3)]);
        assert!(directory.is_new("cooperative", "5700100001"));
        assert!(!directory.is_new("cooperative", "5700100002"));
        assert_eq!(
            directory.last_sequence("cooperative", "5700100002"),
            Some(3)
        );
        assert_eq!(
            directory.last_sequence("cooperative", "5700100001"),
            Some(0)
        );
        directory.extend([(("cooperative".to_string(), "5700100001".to_string()), 1)]);
        assert!(!directory.is_new("cooperative", "5700100001"));
        directory.forget();
        assert!(!directory.is_new("cooperative", "5700100009"));
        assert_eq!(directory.last_sequence("cooperative", "5700100002"), None);
    }
}
