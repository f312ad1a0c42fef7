//! RFC 6962 / RFC 9162 section 2.1 Merkle trees with SHA-256.
//!
//! A leaf is hashed as SHA-256(0x00 || bytes), an interior node as SHA-256(0x01 || left ||
//! right), the empty tree as SHA-256(""). Every hash a proof or a root needs is the hash of a
//! range of leaves, and every such range is a run of *perfect subtrees* ([`Subtree`]): aligned
//! blocks of 2^level leaves. A store that keeps the hash of each perfect subtree (the leaves
//! and the interior nodes, written once, never changed) can therefore answer any proof for any
//! tree size with O(log n) reads: [`Plan`] says which subtrees to read and how to fold them.
//!
//! [`Frontier`] appends leaves one by one, yielding each interior node as it completes, so a
//! log maintains its tree without ever recomputing it.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::Hash;

/// RFC 6962: a leaf is hashed as SHA-256(0x00 || leaf bytes).
pub const LEAF_PREFIX: u8 = 0x00;
/// RFC 6962: an interior node is hashed as SHA-256(0x01 || left || right).
pub const NODE_PREFIX: u8 = 0x01;

/// The RFC 6962 leaf hash of `bytes`.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(bytes);
    Hash(hasher.finalize().into())
}

/// The RFC 6962 hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The root of the tree with no leaves: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// A perfect subtree: the 2^`level` leaves from `index << level`. Level 0 is a leaf.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Subtree {
    pub level: u8,
    pub index: u64,
}

impl Subtree {
    /// The first leaf it covers.
    pub fn start(self) -> u64 {
        self.index << self.level
    }

    /// One past the last leaf it covers.
    pub fn end(self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// The perfect subtrees, largest first, that make up the leaves `start..end`.
///
/// INVARIANT (of every range RFC 9162's recursions visit): `start` is a multiple of the
/// largest power of two not above `end - start`, so the pieces are aligned.
fn pieces(start: u64, end: u64) -> Vec<Subtree> {
    let mut pieces = Vec::new();
    let mut at = start;
    while at < end {
        let level = (end - at).ilog2() as u8;
        debug_assert_eq!(at % (1 << level), 0, "range {start}..{end} is not aligned");
        pieces.push(Subtree {
            level,
            index: at >> level,
        });
        at += 1 << level;
    }
    pieces
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// Which perfect subtrees to read, and how to fold them into hashes: one hash per element,
/// each the hash of one range of leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    elements: Vec<Vec<Subtree>>,
}

impl Plan {
    /// Every perfect subtree the plan reads, without repeats.
    pub fn subtrees(&self) -> Vec<Subtree> {
        let mut all: Vec<Subtree> = self.elements.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Folds the subtrees' hashes into the plan's hashes.
    ///
    /// # Errors
    /// [`ProofError::MissingSubtree`] when `hashes` lacks one of [`Plan::subtrees`].
    pub fn resolve(&self, hashes: &HashMap<Subtree, Hash>) -> Result<Vec<Hash>, ProofError> {
        self.resolve_with(|subtree| hashes.get(&subtree).copied())
    }

    /// As [`Plan::resolve`], reading each subtree's hash from `hash_of`.
    ///
    /// # Errors
    /// [`ProofError::MissingSubtree`] when `hash_of` has no hash for a subtree.
    pub fn resolve_with(
        &self,
        mut hash_of: impl FnMut(Subtree) -> Option<Hash>,
    ) -> Result<Vec<Hash>, ProofError> {
        self.elements
            .iter()
            .map(|pieces| {
                let mut folded: Option<Hash> = None;
                for &piece in pieces.iter().rev() {
                    let hash = hash_of(piece).ok_or(ProofError::MissingSubtree(piece))?;
                    folded = Some(match folded {
                        None => hash,
                        Some(right) => node_hash(&hash, &right),
                    });
                }
                Ok(folded.unwrap_or_else(empty_root))
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.elements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }
}

/// The plan of the root of the tree of `size` leaves: one element.
pub fn root_plan(size: u64) -> Plan {
    Plan {
        elements: vec![pieces(0, size)],
    }
}

/// The plan of the RFC 9162 inclusion proof (PATH) of leaf `index` in the tree of `size`.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] when `index >= size`.
pub fn inclusion_plan(index: u64, size: u64) -> Result<Plan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut elements = Vec::new();
    // PATH(m, D[start:end]), iteratively; elements come out root-side first, so reverse.
    let (mut start, mut end, mut m) = (0u64, size, index);
    while end - start > 1 {
        let k = split(end - start);
        if m < k {
            elements.push(pieces(start + k, end));
            end = start + k;
        } else {
            elements.push(pieces(start, start + k));
            start += k;
            m -= k;
        }
    }
    elements.reverse();
    Ok(Plan { elements })
}

/// The plan of the RFC 9162 consistency proof from the tree of `first` leaves to the tree of
/// `second` leaves. Empty when `first` is 0 or equals `second`.
///
/// # Errors
/// [`ProofError::SizesOutOfOrder`] when `first > second`.
pub fn consistency_plan(first: u64, second: u64) -> Result<Plan, ProofError> {
    if first > second {
        return Err(ProofError::SizesOutOfOrder { first, second });
    }
    let mut elements = Vec::new();
    if first == 0 || first == second {
        return Ok(Plan { elements });
    }
    // SUBPROOF(m, D[start:end], whole), iteratively; reversed at the end as for PATH.
    let (mut start, mut end, mut m, mut whole) = (0u64, second, first, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                elements.push(pieces(start, end));
            }
            break;
        }
        let k = split(n);
        if m <= k {
            elements.push(pieces(start + k, end));
            end = start + k;
        } else {
            elements.push(pieces(start, start + k));
            start += k;
            m -= k;
            whole = false;
        }
    }
    elements.reverse();
    Ok(Plan { elements })
}

/// Checks an RFC 9162 section 2.1.3.2 inclusion proof.
///
/// # Errors
/// [`ProofError`] naming why the proof does not show `leaf` at `index` in the tree of `size`
/// leaves whose root is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_plan(index, size)?.len();
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            found: proof.len(),
        });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength {
                expected,
                found: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength {
            expected,
            found: proof.len(),
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Every perfect subtree of the tree over `leaves` (level 0 included), as a store keeps
/// them: for a tree held in memory (tests, a mirror's batch) to answer [`Plan::resolve`].
pub fn subtrees_of(leaves: &[Hash]) -> HashMap<Subtree, Hash> {
    let mut stored = HashMap::with_capacity(leaves.len() * 2);
    let mut frontier = Frontier::new();
    for (index, leaf) in leaves.iter().enumerate() {
        stored.insert(
            Subtree {
                level: 0,
                index: index as u64,
            },
            *leaf,
        );
        frontier.push(*leaf, |subtree, hash| {
            stored.insert(subtree, hash);
        });
    }
    stored
}

/// Checks an RFC 9162 section 2.1.4.2 consistency proof between two tree heads.
///
/// # Errors
/// [`ProofError`] naming why the proof does not show that the tree of `first` leaves with
/// root `first_root` is a prefix of the tree of `second` leaves with root `second_root`.
pub fn verify_consistency(
    first: u64,
    second: u64,
    proof: &[Hash],
    first_root: &Hash,
    second_root: &Hash,
) -> Result<(), ProofError> {
    let expected = consistency_plan(first, second)?.len();
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            expected,
            found: proof.len(),
        });
    }
    if first == second {
        return if first_root == second_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if first == 0 {
        // Every tree extends the empty one.
        return if *first_root == empty_root() {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength {
                expected,
                found: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength {
            expected,
            found: proof.len(),
        });
    }
    if fr != *first_root || sr != *second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The right edge of a growing tree: the hashes of the perfect subtrees that make up its
/// leaves, largest first. Appending a leaf completes at most one interior node per level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// INVARIANT: the hashes of `pieces(0, size)`, in that order.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Frontier::default()
    }

    /// The subtrees whose hashes [`Frontier::restore`] needs for a tree of `size` leaves.
    pub fn subtrees_for(size: u64) -> Vec<Subtree> {
        pieces(0, size)
    }

    /// The frontier of a tree of `size` leaves, from the hashes of
    /// [`Frontier::subtrees_for`]`(size)`, in that order.
    ///
    /// # Errors
    /// [`ProofError::WrongLength`] when the number of hashes does not fit `size`.
    pub fn restore(size: u64, hashes: Vec<Hash>) -> Result<Self, ProofError> {
        let expected = size.count_ones() as usize;
        if hashes.len() != expected {
            return Err(ProofError::WrongLength {
                expected,
                found: hashes.len(),
            });
        }
        Ok(Frontier { size, hashes })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash; `completed` receives each interior node it completes, lowest
    /// level first.
    pub fn push(&mut self, leaf: Hash, mut completed: impl FnMut(Subtree, Hash)) {
        let position = self.size;
        let mut hash = leaf;
        let mut level = 0u8;
        // Each trailing one bit of the old size is a perfect subtree the new leaf completes.
        while (position >> level) & 1 == 1 {
            let left = self.hashes.pop().expect("one hash per set bit of the size");
            hash = node_hash(&left, &hash);
            level += 1;
            completed(
                Subtree {
                    level,
                    index: position >> level,
                },
                hash,
            );
        }
        self.hashes.push(hash);
        self.size += 1;
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut hashes = self.hashes.iter().rev();
        match hashes.next() {
            None => empty_root(),
            Some(&last) => hashes.fold(last, |right, left| node_hash(left, &right)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the first tree size {first} is larger than the second, {second}")]
    SizesOutOfOrder { first: u64, second: u64 },
    #[error("the proof has {found} hashes where {expected} are needed")]
    WrongLength { expected: usize, found: usize },
    #[error("the proof does not lead to the root it claims")]
    RootMismatch,
    #[error("the hash of the subtree at level {} index {} is not stored", .0.level, .0.index)]
    MissingSubtree(Subtree),
}

#[cfg(test)]
mod tests;
