//! The log as C2SP tlog-tiles, read from what the store already keeps: a level tile's hashes
//! are stored subtrees (level 0 the entries' leaf hashes, level `l` the tree's nodes at
//! height 8·l), an entry bundle is the entries' stored bytes. Nothing is hashed per leaf.
//!
//! [`export_tiles`] writes the tree of files a static web server or an object store can serve
//! as is: `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`, with the partial
//! tiles of every size a checkpoint was signed at.

use std::collections::BTreeSet;
use std::path::Path;

use tlog::tiles::{self, Tile, TileKind};

use crate::database::Database;
use crate::error::StoreError;
use crate::sql::checkpoints;
use crate::sql::log::{LogFilter, collect_entries};
use crate::sql::tree::read_subtrees;

/// A tile's bytes, or why it cannot be given.
///
/// # Errors
/// [`StoreError::NotInLog`] when the log does not (yet) hold every leaf the tile spans.
pub async fn tile_bytes(db: &Database, tile: Tile) -> Result<Vec<u8>, StoreError> {
    match tile.kind {
        TileKind::Level(_) => {
            let subtrees: Vec<_> = tile.subtrees().collect();
            let stored = read_subtrees(db, &subtrees).await?;
            let hashes = subtrees
                .iter()
                .map(|s| {
                    stored.get(s).copied().ok_or_else(|| {
                        StoreError::NotInLog(format!("{}: the tree has no node {s:?}", tile.path()))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(tiles::encode_tile(&hashes))
        }
        TileKind::Entries => {
            let (start, end) = tile.leaves();
            let entries = collect_entries(db, LogFilter::from(start).below(end)).await?;
            if entries.len() as u64 != end - start {
                return Err(StoreError::NotInLog(format!(
                    "{}: the log holds {} of its {} entries",
                    tile.path(),
                    entries.len(),
                    end - start
                )));
            }
            tiles::encode_bundle(entries.iter().map(|(_, bytes)| bytes.as_slice()))
                .map_err(|e| StoreError::Refused(format!("{}: {e}", tile.path())))
        }
    }
}

/// What [`export_tiles`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesWritten {
    /// The size of the checkpoint written as `checkpoint`.
    pub size: u64,
    /// Tile files written (a file already there with the same bytes is left and counted).
    pub tiles: usize,
}

/// Writes the log as tiles under `dir`, at the latest signed checkpoint (with a `policy`, the
/// latest its quorum cosigned): every tile of that size, the partial tiles of every earlier
/// checkpoint's size, and last, `checkpoint` (its signed note, followed by the cosignatures
/// stored for it, so that a mirror can check the quorum). Tiles are immutable: a file already there is kept if its bytes are the
/// same, and the export stops if they differ (the copy was of another history). `progress`
/// hears (done, total) after each tile.
///
/// # Errors
/// [`StoreError::NotInLog`] when the log has no signed checkpoint; [`StoreError::Refused`]
/// when a file there disagrees; I/O and database errors.
pub async fn export_tiles(
    db: &Database,
    dir: &Path,
    policy: Option<&tlog::policy::Policy>,
    mut progress: impl FnMut(usize, usize),
) -> Result<TilesWritten, StoreError> {
    let signed = checkpoints::all(db).await?;
    let latest = match policy {
        None => signed.last().cloned().ok_or_else(|| {
            StoreError::NotInLog("the log has no signed checkpoint to export tiles at".into())
        })?,
        Some(policy) => {
            crate::witnessed::latest(db, policy)
                .await?
                .ok_or_else(|| {
                    StoreError::NotInLog(
                        "no checkpoint holds the policy's quorum of witnesses yet: nothing to export tiles at".into(),
                    )
                })?
                .checkpoint
        }
    };
    let latest = crate::witnessed::cosigned(db, latest).await?;
    let mut wanted: BTreeSet<Tile> = tiles::tiles_of(latest.size).into_iter().collect();
    for checkpoint in signed.iter().filter(|c| c.size <= latest.size) {
        wanted.extend(tiles::partial_tiles(checkpoint.size));
    }
    let total = wanted.len();
    for (done, tile) in wanted.into_iter().enumerate() {
        let bytes = tile_bytes(db, tile).await?;
        write_immutable(&dir.join(tile.path()), &bytes)?;
        progress(done + 1, total);
    }
    let checkpoint = dir.join("checkpoint");
    let staged = dir.join(".checkpoint.new");
    std::fs::write(&staged, latest.note.as_bytes())?;
    std::fs::rename(&staged, &checkpoint)?;
    Ok(TilesWritten {
        size: latest.size,
        tiles: total,
    })
}

fn write_immutable(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    match std::fs::read(path) {
        Ok(existing) if existing == bytes => return Ok(()),
        Ok(_) => {
            return Err(StoreError::Refused(format!(
                "{} already holds other bytes: that copy is of another history; export into an empty folder",
                path.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)?;
    Ok(())
}
