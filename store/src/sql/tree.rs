//! The SQL of the Merkle tree: reading perfect subtrees (leaves from `ledger_entries`, interior
//! nodes from `ledger_tree_nodes`) and writing interior nodes.

use std::collections::HashMap;

use sqlx::{Postgres, QueryBuilder, Sqlite};
use tlog::Hash;
use tlog::merkle::Subtree;

use super::{WriteTx, to_i64, to_u64};
use crate::database::Database;
use crate::error::StoreError;

/// Rows per multi-row INSERT of nodes: 3 parameters each.
const INSERT_CHUNK: usize = 2_000;

/// One interior node about to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRow {
    pub subtree: Subtree,
    pub hash: Hash,
}

/// One query for the hashes of `subtrees`: leaves by position, interior nodes by key (SQLite).
fn select_query<'a, DB>(subtrees: &'a [Subtree]) -> Result<QueryBuilder<'a, DB>, StoreError>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (leaves, nodes): (Vec<&Subtree>, Vec<&Subtree>) =
        subtrees.iter().partition(|s| s.level == 0);
    let mut query = QueryBuilder::new(
        "SELECT CAST(0 AS BIGINT), position, leaf_hash FROM ledger_entries WHERE position IN (-1",
    );
    for leaf in leaves {
        query.push(", ").push_bind(to_i64(leaf.index)?);
    }
    query.push(") UNION ALL SELECT CAST(level AS BIGINT), node_index, hash FROM ledger_tree_nodes WHERE (level, node_index) IN (VALUES (-1, -1)");
    for node in nodes {
        query
            .push(", (")
            .push_bind(i64::from(node.level))
            .push(", ")
            .push_bind(to_i64(node.index)?)
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

/// On PostgreSQL, one statement whatever the number of subtrees, so that it is prepared once
/// per connection and reused.
const SELECT_PG: &str = "SELECT CAST(0 AS BIGINT), position, leaf_hash FROM ledger_entries WHERE position = ANY($1) \
    UNION ALL SELECT CAST(n.level AS BIGINT), n.node_index, n.hash \
    FROM ledger_tree_nodes n JOIN unnest($2::smallint[], $3::bigint[]) AS k(level, node_index) \
    ON n.level = k.level AND n.node_index = k.node_index";

/// The parameters of [`SELECT_PG`]: leaf positions, then node levels and indexes.
#[derive(Default)]
struct PgKeys {
    leaves: Vec<i64>,
    levels: Vec<i16>,
    indexes: Vec<i64>,
}

fn pg_keys(subtrees: &[Subtree]) -> Result<PgKeys, StoreError> {
    let mut keys = PgKeys::default();
    for subtree in subtrees {
        if subtree.level == 0 {
            keys.leaves.push(to_i64(subtree.index)?);
        } else {
            keys.levels.push(i16::from(subtree.level));
            keys.indexes.push(to_i64(subtree.index)?);
        }
    }
    Ok(keys)
}

/// The stored hashes of `subtrees`; one missing from the answer is not stored.
pub async fn read_subtrees(
    db: &Database,
    subtrees: &[Subtree],
) -> Result<HashMap<Subtree, Hash>, StoreError> {
    let rows: Vec<(i64, i64, Vec<u8>)> = match db {
        Database::Postgres(pool) => {
            let keys = pg_keys(subtrees)?;
            sqlx::query_as(SELECT_PG)
                .bind(keys.leaves)
                .bind(keys.levels)
                .bind(keys.indexes)
                .fetch_all(pool)
                .await?
        }
        Database::Sqlite(pool) => {
            select_query::<Sqlite>(subtrees)?
                .build_query_as()
                .fetch_all(pool)
                .await?
        }
    };
    collect(rows)
}

impl WriteTx {
    /// As [`read_subtrees`], inside this transaction.
    pub async fn read_subtrees(
        &mut self,
        subtrees: &[Subtree],
    ) -> Result<HashMap<Subtree, Hash>, StoreError> {
        let rows: Vec<(i64, i64, Vec<u8>)> = match self {
            WriteTx::Postgres(tx) => {
                let keys = pg_keys(subtrees)?;
                sqlx::query_as(SELECT_PG)
                    .bind(keys.leaves)
                    .bind(keys.levels)
                    .bind(keys.indexes)
                    .fetch_all(&mut **tx)
                    .await?
            }
            WriteTx::Sqlite(tx) => {
                select_query::<Sqlite>(subtrees)?
                    .build_query_as()
                    .fetch_all(&mut **tx)
                    .await?
            }
        };
        collect(rows)
    }

    /// Writes interior nodes. With `tolerate_existing`, nodes already stored are left as they
    /// are (for catching up a tree that is partly there); otherwise a duplicate is an error.
    pub async fn insert_nodes(
        &mut self,
        nodes: &[NodeRow],
        tolerate_existing: bool,
    ) -> Result<(), StoreError> {
        for chunk in nodes.chunks(INSERT_CHUNK) {
            match self {
                WriteTx::Postgres(tx) => {
                    insert_nodes_query::<Postgres>(chunk, tolerate_existing)?
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
                WriteTx::Sqlite(tx) => {
                    insert_nodes_query::<Sqlite>(chunk, tolerate_existing)?
                        .build()
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Every leaf hash from `from` on, in position order (for catching up the tree).
    pub async fn leaf_hashes(&mut self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        const SQL_PG: &str = "SELECT leaf_hash FROM ledger_entries WHERE position >= $1 AND position < $2 ORDER BY position";
        const SQL_LITE: &str = "SELECT leaf_hash FROM ledger_entries WHERE position >= ?1 AND position < ?2 ORDER BY position";
        let (from, to) = (to_i64(from)?, to_i64(to)?);
        let rows: Vec<Vec<u8>> = match self {
            WriteTx::Postgres(tx) => {
                sqlx::query_scalar(SQL_PG)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&mut **tx)
                    .await?
            }
            WriteTx::Sqlite(tx) => {
                sqlx::query_scalar(SQL_LITE)
                    .bind(from)
                    .bind(to)
                    .fetch_all(&mut **tx)
                    .await?
            }
        };
        rows.iter()
            .map(|h| {
                Hash::from_slice(h).map_err(|e| StoreError::Corrupt(format!("leaf hash: {e}")))
            })
            .collect()
    }
}

fn insert_nodes_query<'a, DB>(
    nodes: &'a [NodeRow],
    tolerate_existing: bool,
) -> Result<QueryBuilder<'a, DB>, StoreError>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a [u8]: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    for node in nodes {
        to_i64(node.subtree.index)?;
    }
    let mut query = QueryBuilder::new("INSERT INTO ledger_tree_nodes (level, node_index, hash) ");
    query.push_values(nodes, |mut b, node| {
        b.push_bind(i64::from(node.subtree.level))
            .push_bind(node.subtree.index as i64)
            .push_bind(&node.hash.as_bytes()[..]);
    });
    if tolerate_existing {
        query.push(" ON CONFLICT (level, node_index) DO NOTHING");
    }
    Ok(query)
}
