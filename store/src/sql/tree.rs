//! The SQL of the Merkle tree: reading perfect subtrees (leaves from `ledger_entries`, interior
//! nodes from `ledger_tree_nodes`) and writing interior nodes.

use std::collections::HashMap;

use tlog::Hash;
use tlog::merkle::Subtree;

use super::rows::NodeRow;
use super::statement::{PgArray, Statement, Target, to_i64, to_u64};
use super::write::WriteTx;
use crate::database::{Backend, Database};
use crate::error::StoreError;

/// Rows per multi-row INSERT of nodes: 3 parameters each.
const INSERT_CHUNK: usize = 2_000;

/// One query for the hashes of `subtrees`: leaves by position, interior nodes by key.
///
/// Genuinely different per backend: on PostgreSQL one text whatever the number of subtrees
/// (keys as arrays), so that it is prepared once per connection and reused; SQLite has no
/// arrays, and lists the keys.
fn select_statement(
    backend: Backend,
    subtrees: &[Subtree],
) -> Result<Statement<'static>, StoreError> {
    let (leaves, nodes): (Vec<&Subtree>, Vec<&Subtree>) =
        subtrees.iter().partition(|s| s.level == 0);
    if backend == Backend::Postgres {
        const SELECT_PG: &str = "SELECT CAST(0 AS BIGINT), position, leaf_hash FROM ledger_entries WHERE position = ANY($1) \
            UNION ALL SELECT CAST(n.level AS BIGINT), n.node_index, n.hash \
            FROM ledger_tree_nodes n JOIN unnest($2::smallint[], $3::bigint[]) AS k(level, node_index) \
            ON n.level = k.level AND n.node_index = k.node_index";
        let indexes = |of: &[&Subtree]| -> Result<Vec<i64>, StoreError> {
            of.iter().map(|s| to_i64(s.index)).collect()
        };
        return Ok(Statement::new(SELECT_PG)
            .bind(PgArray::Ints(indexes(&leaves)?))
            .bind(PgArray::SmallInts(
                nodes.iter().map(|s| i16::from(s.level)).collect(),
            ))
            .bind(PgArray::Ints(indexes(&nodes)?)));
    }
    let mut query = Statement::new(
        "SELECT CAST(0 AS BIGINT), position, leaf_hash FROM ledger_entries WHERE position IN (-1",
    );
    for leaf in leaves {
        query.push(", ").push_bind_u64(leaf.index);
    }
    query.push(") UNION ALL SELECT CAST(level AS BIGINT), node_index, hash FROM ledger_tree_nodes WHERE (level, node_index) IN (VALUES (-1, -1)");
    for node in nodes {
        query
            .push(", (")
            .push_bind(i64::from(node.level))
            .push(", ")
            .push_bind_u64(node.index)
            .push(")");
    }
    query.push(")");
    Ok(query)
}

fn collect(rows: Vec<(i64, i64, Vec<u8>)>) -> Result<HashMap<Subtree, Hash>, StoreError> {
    rows.into_iter()
        .map(|(level, index, hash)| {
            let subtree = Subtree {
                level: u8::try_from(level)
                    .map_err(|_| StoreError::Corrupt(format!("tree level {level}")))?,
                index: to_u64(index, "node index")?,
            };
            let hash = Hash::from_slice(&hash)
                .map_err(|e| StoreError::Corrupt(format!("{subtree:?}: {e}")))?;
            Ok((subtree, hash))
        })
        .collect()
}

/// The stored hashes of `subtrees` on `on`; one missing from the answer is not stored.
async fn read_subtrees_on<'c>(
    backend: Backend,
    on: impl Into<Target<'c>>,
    subtrees: &[Subtree],
) -> Result<HashMap<Subtree, Hash>, StoreError> {
    collect(select_statement(backend, subtrees)?.fetch_all(on).await?)
}

/// The stored hashes of `subtrees`; one missing from the answer is not stored.
pub async fn read_subtrees(
    db: &Database,
    subtrees: &[Subtree],
) -> Result<HashMap<Subtree, Hash>, StoreError> {
    read_subtrees_on(db.backend(), db, subtrees).await
}

impl WriteTx {
    /// As [`read_subtrees`], inside this transaction.
    pub async fn read_subtrees(
        &mut self,
        subtrees: &[Subtree],
    ) -> Result<HashMap<Subtree, Hash>, StoreError> {
        let backend = self.0.backend();
        read_subtrees_on(backend, self, subtrees).await
    }

    /// Writes interior nodes. With `tolerate_existing`, nodes already stored are left as they
    /// are (for catching up a tree that is partly there); otherwise a duplicate is an error.
    pub async fn insert_nodes(
        &mut self,
        nodes: &[NodeRow],
        tolerate_existing: bool,
    ) -> Result<(), StoreError> {
        for chunk in nodes.chunks(INSERT_CHUNK) {
            let mut insert =
                Statement::new("INSERT INTO ledger_tree_nodes (level, node_index, hash) VALUES ");
            for (i, node) in chunk.iter().enumerate() {
                insert.push(if i == 0 { "(" } else { ", (" });
                insert.push_bind(i64::from(node.subtree.level)).push(", ");
                insert.push_bind_u64(node.subtree.index).push(", ");
                insert.push_bind(&node.hash.as_bytes()[..]).push(")");
            }
            if tolerate_existing {
                insert.push(" ON CONFLICT (level, node_index) DO NOTHING");
            }
            insert.execute(&mut *self).await?;
        }
        Ok(())
    }

    /// Every leaf hash from `from` to below `to`, in position order (for catching up the
    /// tree).
    pub async fn leaf_hashes(&mut self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        let rows: Vec<(Vec<u8>,)> = Statement::new(
            "SELECT leaf_hash FROM ledger_entries WHERE position >= $1 AND position < $2 ORDER BY position",
        )
        .bind_u64(from)
        .bind_u64(to)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|(h,)| {
                Hash::from_slice(h).map_err(|e| StoreError::Corrupt(format!("leaf hash: {e}")))
            })
            .collect()
    }
}
