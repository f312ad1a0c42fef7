//! The entries this process appended last, kept after their commit so that a reader in the
//! same process (the live projector) takes them without reading them back from the database.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::sql::rows::NewRow;

/// How many of the last appended entries are kept.
pub const RECENT_ENTRIES: usize = 8_192;

/// One entry kept: its position and its bytes.
pub type RecentEntry = (u64, Arc<[u8]>);

/// The entries the appender committed last, in position order and without a gap: a run of
/// the log as it is, since entries never change. Cloning shares them.
#[derive(Clone, Default)]
pub struct RecentEntries {
    kept: Arc<Mutex<VecDeque<RecentEntry>>>,
}

impl RecentEntries {
    /// Keeps `rows`, just committed. When they do not follow the entries kept (another
    /// process appended between), the run starts again with them.
    pub(crate) fn extend(&self, rows: &[NewRow]) {
        let Some(first) = rows.first() else {
            return;
        };
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept
            .back()
            .is_some_and(|(last, _)| last + 1 != first.position)
        {
            kept.clear();
        }
        for row in rows.iter().rev().take(RECENT_ENTRIES).rev() {
            kept.push_back((row.position, Arc::from(row.bytes.as_slice())));
        }
        let over = kept.len().saturating_sub(RECENT_ENTRIES);
        kept.drain(..over);
    }

    /// The entries kept from position `from` on, at most `limit` of them; none when `from` is
    /// not among them (too old, or past the last: the log must be read then).
    pub fn from(&self, from: u64, limit: u64) -> Option<Vec<RecentEntry>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let first = kept.front()?.0;
        let skip = usize::try_from(from.checked_sub(first)?).ok()?;
        if skip >= kept.len() {
            return None;
        }
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        Some(kept.range(skip..).take(take).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ledger::LeafHash;

    fn rows(positions: std::ops::Range<u64>) -> Vec<NewRow> {
        positions
            .map(|position| NewRow {
                position,
                aggregate_type: "tally".into(),
                aggregate_id: "a".into(),
                sequence: position + 1,
                bytes: position.to_string().into_bytes(),
                leaf_hash: LeafHash::of_entry(b""),
            })
            .collect()
    }

    fn positions(entries: Option<Vec<RecentEntry>>) -> Option<Vec<u64>> {
        entries.map(|e| e.into_iter().map(|(p, _)| p).collect())
    }

    #[test]
    fn a_run_of_entries_is_answered_from_any_of_its_positions() {
        let recent = RecentEntries::default();
        assert_eq!(positions(recent.from(0, 10)), None);
        recent.extend(&rows(5..8));
        recent.extend(&rows(8..10));
        assert_eq!(positions(recent.from(5, 100)), Some((5..10).collect()));
        assert_eq!(positions(recent.from(7, 2)), Some(vec![7, 8]));
        assert_eq!(recent.from(9, 1).unwrap()[0].1.as_ref(), b"9");
        assert_eq!(positions(recent.from(4, 10)), None, "before the run");
        assert_eq!(positions(recent.from(10, 10)), None, "past the last");
    }

    #[test]
    fn a_gap_starts_the_run_again_and_the_oldest_entries_go_first() {
        let recent = RecentEntries::default();
        recent.extend(&rows(0..3));
        // Another process wrote 3 and 4.
        recent.extend(&rows(5..6));
        assert_eq!(positions(recent.from(0, 10)), None);
        assert_eq!(positions(recent.from(5, 10)), Some(vec![5]));
        let many = RECENT_ENTRIES as u64;
        recent.extend(&rows(6..6 + many));
        assert_eq!(positions(recent.from(6, 1)), Some(vec![6]));
        recent.extend(&rows(6 + many..8 + many));
        assert_eq!(positions(recent.from(7, 1)), None, "forgotten");
        assert_eq!(positions(recent.from(8, 1)), Some(vec![8]));
    }
}
