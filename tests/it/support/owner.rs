//! What someone with the database owner's rights can do behind the service's back, for the
//! tests that show it is caught.

use domain::ledger::{LeafHash, to_canonical_vec};
use serde_json::Value;
use sqlx::{Executor, Row};
use store::Database;

use super::pg::TestDb;

/// Rewrites the whole log as someone with the owner's rights could: `edit` changes the
/// entries, then every position, link, leaf hash, tree node and the head are recomputed so
/// that the chain alone looks intact.
pub async fn rewrite_history(db: &TestDb, edit: impl FnOnce(&mut Vec<Value>)) {
    let mut owner = db.owner().await;
    let rows = sqlx::query("SELECT entry FROM ledger_entries ORDER BY position")
        .fetch_all(&mut owner)
        .await
        .unwrap();
    let mut entries: Vec<Value> = rows
        .iter()
        .map(|row| serde_json::from_slice(&row.get::<Vec<u8>, _>(0)).unwrap())
        .collect();
    edit(&mut entries);
    for sql in [
        "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
        "DROP TRIGGER ledger_head_forward ON ledger_head",
        "DROP TRIGGER ledger_tree_nodes_append_only ON ledger_tree_nodes",
        "DELETE FROM ledger_entries",
        "DELETE FROM ledger_tree_nodes",
    ] {
        owner.execute(sql).await.unwrap();
    }
    let mut prev = LeafHash::GENESIS;
    for (position, entry) in entries.iter_mut().enumerate() {
        entry["position"] = Value::from(position as u64);
        entry["prev_hash"] = Value::from(prev.to_hex());
        let bytes = to_canonical_vec(entry).unwrap();
        prev = LeafHash::of_entry(&bytes);
        sqlx::query(
            "INSERT INTO ledger_entries (position, aggregate_type, aggregate_id, sequence, entry, leaf_hash) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(position as i64)
        .bind(entry["aggregate_type"].as_str().unwrap())
        .bind(entry["aggregate_id"].as_str().unwrap())
        .bind(entry["sequence"].as_i64().unwrap())
        .bind(bytes)
        .bind(prev.as_bytes().to_vec())
        .execute(&mut owner)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE ledger_head SET size = $1, head_hash = $2")
        .bind(entries.len() as i64)
        .bind(prev.as_bytes().to_vec())
        .execute(&mut owner)
        .await
        .unwrap();
    // Opening rebuilds the tree over the rewritten leaves.
    Database::open(&db.url).await.unwrap();
}
