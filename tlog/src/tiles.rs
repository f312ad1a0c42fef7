//! C2SP tlog-tiles (`c2sp.org/tlog-tiles`): the log as static files. A tile holds up to 256
//! consecutive Merkle Tree Hashes of one level: at level 0 the leaf hashes, at level `l` the
//! hashes of the perfect subtrees of 256^l leaves. An entry bundle holds the entries of a
//! level-0 tile, each behind a big-endian u16 length.
//!
//! Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, `N` in 3-digit groups with
//! `x` before all but the last (`1234067` → `x001/x234/067`), `.p/<W>` for a partial tile of
//! `W` (1-255) hashes or entries.

use crate::merkle::Subtree;
use crate::{Hash, InvalidHash};

/// Hashes (or entries) in a full tile.
pub const WIDTH: u64 = 256;
/// Levels of the Merkle tree one tile level spans.
pub const HEIGHT: u32 = 8;
/// The largest entry an entry bundle can hold (its length is a u16).
pub const MAX_ENTRY: usize = u16::MAX as usize;

/// What a tile path names: a level of hashes, or the entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    Level(u8),
    Entries,
}

/// One tile: its kind, its index within the level, its width (256 when full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    pub kind: TileKind,
    pub index: u64,
    pub width: u16,
}

/// Why a tile path, a tile or a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("not a tile path: {0:?}")]
    BadPath(String),
    #[error("a tile is a whole number of 32-byte hashes, 1 to 256 of them; this one is {0} bytes")]
    BadTileLength(usize),
    #[error("the entry bundle ends inside an entry")]
    TruncatedBundle,
    #[error("the entry bundle holds {found} entries, not {expected}")]
    BundleWidth { expected: usize, found: usize },
    #[error("an entry of {0} bytes does not fit an entry bundle (at most 65,535)")]
    EntryTooLarge(usize),
    #[error("{0}")]
    Hash(#[from] InvalidHash),
}

fn index_path(mut index: u64) -> String {
    let mut parts = vec![format!("{:03}", index % 1000)];
    while index >= 1000 {
        index /= 1000;
        parts.push(format!("x{:03}", index % 1000));
    }
    parts.reverse();
    parts.join("/")
}

impl Tile {
    /// The full tile of `kind` at `index`.
    pub fn full(kind: TileKind, index: u64) -> Tile {
        Tile {
            kind,
            index,
            width: WIDTH as u16,
        }
    }

    pub fn is_full(&self) -> bool {
        u64::from(self.width) == WIDTH
    }

    /// The level of hashes (entries: 0, the leaves they hash to).
    pub fn level(&self) -> u8 {
        match self.kind {
            TileKind::Level(l) => l,
            TileKind::Entries => 0,
        }
    }

    /// The path below the log's prefix.
    pub fn path(&self) -> String {
        let kind = match self.kind {
            TileKind::Level(l) => l.to_string(),
            TileKind::Entries => "entries".into(),
        };
        let partial = if self.is_full() {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("tile/{kind}/{}{partial}", index_path(self.index))
    }

    /// Reads a path as [`Tile::path`] writes it, strictly (no leading zeros, no missing `x`).
    ///
    /// # Errors
    /// [`TileError::BadPath`].
    pub fn parse(path: &str) -> Result<Tile, TileError> {
        let bad = || TileError::BadPath(path.to_owned());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (kind, rest) = rest.split_once('/').ok_or_else(bad)?;
        let kind = match kind {
            "entries" => TileKind::Entries,
            level => {
                let l: u8 = level.parse().map_err(|_| bad())?;
                if l > 63 || level != l.to_string() {
                    return Err(bad());
                }
                TileKind::Level(l)
            }
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let w: u16 = width.parse().map_err(|_| bad())?;
                if !(1..=255).contains(&w) || width != w.to_string() {
                    return Err(bad());
                }
                (index, w)
            }
            None => (rest, WIDTH as u16),
        };
        let groups: Vec<&str> = index.split('/').collect();
        let mut n: u64 = 0;
        for (i, group) in groups.iter().enumerate() {
            let digits = if i + 1 < groups.len() {
                group.strip_prefix('x').ok_or_else(bad)?
            } else {
                group
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(digits.parse::<u64>().ok()?))
                .ok_or_else(bad)?;
        }
        let tile = Tile {
            kind,
            index: n,
            width,
        };
        if tile.path() != path {
            return Err(bad());
        }
        Ok(tile)
    }

    /// The perfect subtrees whose hashes this tile holds, in order: at level `l`, subtree
    /// (8·l, index·256 + i) for i below the width.
    pub fn subtrees(&self) -> impl Iterator<Item = Subtree> + '_ {
        // Levels above 7 span more than 2^64 leaves: no tree has them.
        let level = self.level().saturating_mul(HEIGHT as u8);
        (0..u64::from(self.width)).map(move |i| Subtree {
            level,
            index: self.index * WIDTH + i,
        })
    }

    /// The leaves this tile spans: `[start, end)`.
    pub fn leaves(&self) -> (u64, u64) {
        let span = WIDTH.saturating_pow(u32::from(self.level()));
        let start = self.index.saturating_mul(WIDTH).saturating_mul(span);
        (
            start,
            start.saturating_add(u64::from(self.width).saturating_mul(span)),
        )
    }
}

/// The tiles a tree of `size` leaves has at each level: every full tile and, where the level
/// has a remainder, its partial tile (the one that must exist for a checkpoint of that size).
/// Entries follow level 0.
pub fn tiles_of(size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let mut level: u8 = 0;
    let mut span: u64 = 1;
    while size / span > 0 {
        let hashes = size / span;
        for kind in levels_and_entries(level) {
            for index in 0..hashes / WIDTH {
                tiles.push(Tile::full(kind, index));
            }
            let rest = hashes % WIDTH;
            if rest > 0 {
                tiles.push(Tile {
                    kind,
                    index: hashes / WIDTH,
                    width: rest as u16,
                });
            }
        }
        level += 1;
        match span.checked_mul(WIDTH) {
            Some(next) => span = next,
            None => break,
        }
    }
    tiles
}

fn levels_and_entries(level: u8) -> Vec<TileKind> {
    if level == 0 {
        vec![TileKind::Level(0), TileKind::Entries]
    } else {
        vec![TileKind::Level(level)]
    }
}

/// The partial tiles of a tree of `size` leaves (those a checkpoint of that size needs).
pub fn partial_tiles(size: u64) -> Vec<Tile> {
    tiles_of(size)
        .into_iter()
        .filter(|t| !t.is_full())
        .collect()
}

/// The tiles that must be served at `size` for a tile `(kind, index)` to be read: the full
/// tile if the tree has it, else the partial one of that size, else none.
pub fn tile_at(kind: TileKind, index: u64, size: u64) -> Option<Tile> {
    let level = match kind {
        TileKind::Level(l) => l,
        TileKind::Entries => 0,
    };
    let span = WIDTH.checked_pow(u32::from(level))?;
    let hashes = size / span;
    let full = hashes / WIDTH;
    if index < full {
        Some(Tile::full(kind, index))
    } else if index == full && !hashes.is_multiple_of(WIDTH) {
        Some(Tile {
            kind,
            index,
            width: (hashes % WIDTH) as u16,
        })
    } else {
        None
    }
}

/// A tile's bytes: its hashes, concatenated.
pub fn encode_tile(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| *h.as_bytes()).collect()
}

/// A tile's hashes.
///
/// # Errors
/// When the bytes are not 1 to 256 whole hashes.
pub fn decode_tile(bytes: &[u8]) -> Result<Vec<Hash>, TileError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(32) || bytes.len() > 32 * WIDTH as usize {
        return Err(TileError::BadTileLength(bytes.len()));
    }
    bytes
        .chunks_exact(32)
        .map(|c| Hash::from_slice(c).map_err(TileError::from))
        .collect()
}

/// An entry bundle's bytes: each entry behind its big-endian u16 length.
///
/// # Errors
/// [`TileError::EntryTooLarge`] for an entry of 65,536 bytes or more.
pub fn encode_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for entry in entries {
        let length =
            u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge(entry.len()))?;
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// An entry bundle's entries.
///
/// # Errors
/// When the bytes end inside an entry.
pub fn decode_bundle(mut bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let [a, b, rest @ ..] = bytes else {
            return Err(TileError::TruncatedBundle);
        };
        let length = usize::from(u16::from_be_bytes([*a, *b]));
        if rest.len() < length {
            return Err(TileError::TruncatedBundle);
        }
        entries.push(&rest[..length]);
        bytes = &rest[length..];
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_the_specs() {
        // c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
        let t = Tile::full(TileKind::Level(0), 1_234_067);
        assert_eq!(t.path(), "tile/0/x001/x234/067");
        let p = Tile {
            kind: TileKind::Entries,
            index: 5,
            width: 112,
        };
        assert_eq!(p.path(), "tile/entries/005.p/112");
        assert_eq!(
            Tile::full(TileKind::Level(2), 1000).path(),
            "tile/2/x001/000"
        );
        for tile in [t, p, Tile::full(TileKind::Level(63), 0)] {
            assert_eq!(Tile::parse(&tile.path()), Ok(tile));
        }
        for bad in [
            "tile/0/1234067",
            "tile/0/001/234/067",
            "tile/00/001",
            "tile/64/001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/012",
            "tile/data/001",
            "tile/0/01",
            "tile/entries",
        ] {
            assert!(Tile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_tiles_of_a_tree_are_the_specs_examples() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
        // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
        // 17, and one partial level 2 tile of width 1."
        let tiles = tiles_of(70_000);
        let count = |level, full: bool| {
            tiles
                .iter()
                .filter(|t| t.kind == TileKind::Level(level) && t.is_full() == full)
                .count()
        };
        assert_eq!(count(0, true), 273);
        assert_eq!(count(1, true), 1);
        assert_eq!(count(2, true), 0);
        let partial: Vec<(TileKind, u16)> = partial_tiles(70_000)
            .iter()
            .map(|t| (t.kind, t.width))
            .collect();
        assert_eq!(
            partial,
            [
                (TileKind::Level(0), 112),
                (TileKind::Entries, 112),
                (TileKind::Level(1), 17),
                (TileKind::Level(2), 1)
            ]
        );
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level
        // 1 tile of width 1."
        let small: Vec<String> = tiles_of(256).iter().map(Tile::path).collect();
        assert_eq!(small, ["tile/0/000", "tile/entries/000", "tile/1/000.p/1"]);
        assert!(tiles_of(0).is_empty());
        assert_eq!(
            tile_at(TileKind::Level(1), 0, 70_000),
            Some(Tile::full(TileKind::Level(1), 0))
        );
        assert_eq!(
            tile_at(TileKind::Level(1), 1, 70_000).map(|t| t.width),
            Some(17)
        );
        assert_eq!(tile_at(TileKind::Level(1), 2, 70_000), None);
    }

    #[test]
    fn a_tile_spans_its_subtrees() {
        let t = Tile {
            kind: TileKind::Level(1),
            index: 1,
            width: 17,
        };
        let subtrees: Vec<Subtree> = t.subtrees().collect();
        assert_eq!(subtrees.len(), 17);
        assert_eq!(
            subtrees[0],
            Subtree {
                level: 8,
                index: 256
            }
        );
        assert_eq!(t.leaves(), (65_536, 65_536 + 17 * 256));
    }

    #[test]
    fn bundles_round_trip_and_refuse_what_does_not_fit() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"{\"x\":1}"];
        let bundle = encode_bundle(entries.iter().copied()).unwrap();
        assert_eq!(&bundle[..3], &[0, 1, b'a']);
        assert_eq!(decode_bundle(&bundle).unwrap(), entries);
        assert_eq!(
            decode_bundle(&bundle[..bundle.len() - 1]),
            Err(TileError::TruncatedBundle)
        );
        let big = vec![b'x'; MAX_ENTRY + 1];
        assert_eq!(
            encode_bundle([big.as_slice()]),
            Err(TileError::EntryTooLarge(65_536))
        );
        assert!(encode_bundle([&big[..MAX_ENTRY]]).is_ok());
    }
}

/// Our tiles, read by a second implementation (Cloudflare's `tlog_tiles`, a port of Go's
/// `golang.org/x/mod/sumdb/tlog`): it authenticates them against our root and proves
/// inclusion and consistency from them, and its proofs check with ours.
#[cfg(test)]
mod agree {
    use std::collections::HashMap;

    use super::*;
    use crate::merkle::{self, Frontier};

    fn subtrees(leaves: &[Hash]) -> HashMap<Subtree, Hash> {
        merkle::subtrees_of(leaves)
    }

    struct Reader(HashMap<Subtree, Hash>);

    impl tlog_tiles::TileReader for Reader {
        fn height(&self) -> u8 {
            HEIGHT as u8
        }

        fn read_tiles(
            &self,
            tiles: &[tlog_tiles::Tile],
        ) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
            Ok(tiles
                .iter()
                .map(|t| {
                    // Theirs: `tile/8/<L>/<N>[.p/<W>]`; ours drop the height.
                    let path = t.path().replacen("tile/8/", "tile/", 1);
                    let ours = Tile::parse(&path).expect("a tile path we read");
                    let hashes: Vec<Hash> = ours.subtrees().map(|s| self.0[&s]).collect();
                    encode_tile(&hashes)
                })
                .collect())
        }

        fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
    }

    fn root_of(leaves: &[Hash]) -> Hash {
        let mut frontier = Frontier::new();
        for leaf in leaves {
            frontier.push(*leaf, |_, _| {});
        }
        frontier.root()
    }

    fn theirs(hash: Hash) -> tlog_tiles::Hash {
        tlog_tiles::Hash(*hash.as_bytes())
    }

    #[test]
    fn another_implementation_reads_our_tiles() {
        let leaves: Vec<Hash> = (0..70_000u32)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect();
        let reader = Reader(subtrees(&leaves));
        for size in [1u64, 255, 256, 257, 65_536, 65_537, 70_000] {
            let root = root_of(&leaves[..size as usize]);
            let tiles = tlog_tiles::TileHashReader::new(size, theirs(root), &reader);
            assert_eq!(
                tlog_tiles::tree_hash(size, &tiles).expect("tree hash from tiles"),
                theirs(root),
                "size {size}"
            );
            for index in [0, size / 2, size - 1] {
                let proof = tlog_tiles::prove_record(size, index, &tiles).expect("a record proof");
                tlog_tiles::check_record(
                    &proof,
                    size,
                    theirs(root),
                    index,
                    theirs(leaves[index as usize]),
                )
                .expect("their proof checks");
                let ours: Vec<Hash> = proof.iter().map(|h| Hash::from_bytes(h.0)).collect();
                merkle::verify_inclusion(&leaves[index as usize], index, size, &ours, &root)
                    .expect("their proof checks with ours");
            }
            if size > 1 {
                let old = size / 3 + 1;
                let old_root = root_of(&leaves[..old as usize]);
                let proof = tlog_tiles::prove_tree(size, old, &tiles).expect("a tree proof");
                let ours: Vec<Hash> = proof.iter().map(|h| Hash::from_bytes(h.0)).collect();
                merkle::verify_consistency(old, size, &ours, &old_root, &root)
                    .expect("their consistency proof checks with ours");
            }
        }
    }
}
