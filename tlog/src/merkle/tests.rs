use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::Value;

use super::*;

const VECTORS: &str = include_str!("../../../../shared/vectors/rfc6962-merkle.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("vectors parse")
}

fn hex_hash(value: &Value) -> Hash {
    Hash::parse_hex(value.as_str().expect("a hex string")).expect("a hash")
}

fn hashes(value: &Value) -> Vec<Hash> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(hex_hash)
        .collect()
}

fn store_of(leaves: &[Hash]) -> HashMap<Subtree, Hash> {
    subtrees_of(leaves)
}

fn vector_leaves() -> Vec<Hash> {
    hashes(&vectors()["leaf_hashes"])
}

// A reference straight from RFC 9162 2.1.1-2.1.4, recursive, over the leaf hashes.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = split(n as u64) as usize;
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole { vec![] } else { vec![mth(leaves)] };
    }
    let k = split(n as u64) as usize;
    if m <= k {
        let mut p = subproof(m, &leaves[..k], whole);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

#[test]
fn hash_primitives_match_the_published_values() {
    let v = &vectors()["hash_primitives"];
    assert_eq!(empty_root(), hex_hash(&v["empty_tree_root"]["want"]));
    assert_eq!(leaf_hash(b""), hex_hash(&v["leaf_hash_empty"]["want"]));
    assert_eq!(
        leaf_hash(b"L123456"),
        hex_hash(&v["leaf_hash_L123456"]["want"])
    );
    // Interior nodes hash raw bytes, so build them from the ASCII the vector names.
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(b"N123");
    hasher.update(b"N456");
    assert_eq!(
        Hash(hasher.finalize().into()),
        hex_hash(&v["node_hash_N123_N456"]["want"])
    );
}

#[test]
fn leaf_hashes_match_the_leaves() {
    let v = vectors();
    for (leaf_hex, want) in v["leaves_hex"]
        .as_array()
        .unwrap()
        .iter()
        .zip(vector_leaves())
    {
        let bytes = hex::decode(leaf_hex.as_str().unwrap()).unwrap();
        assert_eq!(leaf_hash(&bytes), want);
    }
}

#[test]
fn roots_for_sizes_0_to_8_match_by_frontier_and_by_stored_subtrees() {
    let v = vectors();
    let leaves = vector_leaves();
    let store = store_of(&leaves);
    let mut frontier = Frontier::new();
    for size in 0..=8u64 {
        let want = hex_hash(&v["roots_by_tree_size"][size.to_string()]);
        assert_eq!(frontier.root(), want, "frontier root at size {size}");
        assert_eq!(
            root_plan(size).resolve(&store).unwrap(),
            vec![want],
            "stored root at size {size}"
        );
        let b64 = v["roots_by_tree_size_base64"][size.to_string()]
            .as_str()
            .unwrap();
        assert_eq!(want.to_base64(), b64);
        if size < 8 {
            frontier.push(leaves[size as usize], |_, _| {});
        }
    }
}

#[test]
fn interior_nodes_match_the_published_levels() {
    let v = &vectors()["node_hashes_by_level"];
    let store = store_of(&vector_leaves());
    for level in 1..=3u8 {
        let Some(list) = v.get(format!("level{level}")) else {
            continue;
        };
        for (index, want) in hashes(list).into_iter().enumerate() {
            let subtree = Subtree {
                level,
                index: index as u64,
            };
            assert_eq!(store[&subtree], want, "{subtree:?}");
        }
    }
}

fn check_inclusion_vectors(section: &str) {
    let v = vectors();
    let store = store_of(&vector_leaves());
    let cases = v[section].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let index = case["leaf_index"].as_u64().unwrap();
        let size = case["tree_size"].as_u64().unwrap();
        let leaf = hex_hash(&case["leaf_hash"]);
        let root = hex_hash(&case["root"]);
        let want = hashes(&case["proof"]);
        let proof = inclusion_plan(index, size)
            .unwrap()
            .resolve(&store)
            .unwrap();
        assert_eq!(proof, want, "inclusion of {index} in {size}");
        verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
    }
}

#[test]
fn published_inclusion_proofs_are_reproduced_and_verify() {
    check_inclusion_vectors("inclusion_proofs_published");
}

#[test]
fn every_inclusion_proof_for_sizes_1_to_8_is_reproduced_and_verifies() {
    check_inclusion_vectors("inclusion_proofs_computed_exhaustive");
}

fn check_consistency_vectors(section: &str) {
    let v = vectors();
    let store = store_of(&vector_leaves());
    let cases = v[section].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let first = case["size1"].as_u64().unwrap();
        let second = case["size2"].as_u64().unwrap();
        let root1 = hex_hash(&case["root1"]);
        let root2 = hex_hash(&case["root2"]);
        let want = hashes(&case["proof"]);
        let proof = consistency_plan(first, second)
            .unwrap()
            .resolve(&store)
            .unwrap();
        assert_eq!(proof, want, "consistency {first} -> {second}");
        verify_consistency(first, second, &proof, &root1, &root2).unwrap();
    }
}

#[test]
fn published_consistency_proofs_are_reproduced_and_verify() {
    check_consistency_vectors("consistency_proofs_published");
}

#[test]
fn every_consistency_proof_for_sizes_1_to_8_is_reproduced_and_verifies() {
    check_consistency_vectors("consistency_proofs_computed_exhaustive");
}

fn flipped(proof: &[Hash], at: usize, byte: usize) -> Vec<Hash> {
    let mut proof = proof.to_vec();
    proof[at].0[byte] ^= 0x01;
    proof
}

#[test]
fn every_inclusion_proof_rejects_each_mutation() {
    let leaves = vector_leaves();
    let store = store_of(&leaves);
    let other = leaf_hash(b"not a leaf of this tree");
    for size in 1..=8u64 {
        let root = root_plan(size).resolve(&store).unwrap()[0];
        for index in 0..size {
            let leaf = leaves[index as usize];
            let proof = inclusion_plan(index, size)
                .unwrap()
                .resolve(&store)
                .unwrap();
            for at in 0..proof.len() {
                for byte in [0, 31] {
                    assert!(
                        verify_inclusion(&leaf, index, size, &flipped(&proof, at, byte), &root)
                            .is_err(),
                        "flipped element {at} of {index}/{size}"
                    );
                }
            }
            assert!(verify_inclusion(&other, index, size, &proof, &root).is_err());
            assert!(verify_inclusion(&leaf, index + 1, size, &proof, &root).is_err());
            if index > 0 {
                assert!(verify_inclusion(&leaf, index - 1, size, &proof, &root).is_err());
            }
            assert!(
                verify_inclusion(&leaf, index ^ 2, size, &proof, &root).is_err()
                    || index ^ 2 == index
            );
            assert!(verify_inclusion(&leaf, index, size * 2, &proof, &root).is_err());
            if size / 2 > index && size / 2 != size {
                assert!(verify_inclusion(&leaf, index, size / 2, &proof, &root).is_err());
            }
            if !proof.is_empty() {
                assert!(
                    verify_inclusion(&leaf, index, size, &proof[..proof.len() - 1], &root).is_err(),
                    "truncated"
                );
                assert!(
                    verify_inclusion(&leaf, index, size, &[], &root).is_err(),
                    "empty"
                );
            }
            let mut longer = proof.clone();
            longer.push(leaf);
            assert!(
                verify_inclusion(&leaf, index, size, &longer, &root).is_err(),
                "trailing"
            );
            let mut preceded = vec![leaf];
            preceded.extend_from_slice(&proof);
            assert!(
                verify_inclusion(&leaf, index, size, &preceded, &root).is_err(),
                "preceding"
            );
            let mut wrong_root = root;
            wrong_root.0[7] ^= 0x80;
            assert!(verify_inclusion(&leaf, index, size, &proof, &wrong_root).is_err());
        }
    }
}

#[test]
fn every_consistency_proof_rejects_each_mutation() {
    let store = store_of(&vector_leaves());
    let roots: Vec<Hash> = (0..=8u64)
        .map(|size| root_plan(size).resolve(&store).unwrap()[0])
        .collect();
    for second in 1..=8u64 {
        for first in 1..second {
            let (r1, r2) = (roots[first as usize], roots[second as usize]);
            let proof = consistency_plan(first, second)
                .unwrap()
                .resolve(&store)
                .unwrap();
            for at in 0..proof.len() {
                for byte in [0, 31] {
                    assert!(
                        verify_consistency(first, second, &flipped(&proof, at, byte), &r1, &r2)
                            .is_err(),
                        "flipped element {at} of {first}->{second}"
                    );
                }
            }
            assert!(
                verify_consistency(first, second, &proof, &r2, &r1).is_err(),
                "swapped roots"
            );
            assert!(
                verify_consistency(first, second, &[], &r1, &r2).is_err(),
                "empty"
            );
            assert!(
                verify_consistency(first, second, &proof[..proof.len() - 1], &r1, &r2).is_err(),
                "truncated"
            );
            let mut longer = proof.clone();
            longer.push(r1);
            assert!(
                verify_consistency(first, second, &longer, &r1, &r2).is_err(),
                "trailing"
            );
            assert!(
                verify_consistency(second, first, &proof, &r2, &r1).is_err(),
                "size1 > size2"
            );
            if first + 1 < second {
                assert!(
                    verify_consistency(first + 1, second, &proof, &r1, &r2).is_err(),
                    "wrong first size"
                );
            }
            assert!(
                verify_consistency(first, second * 2, &proof, &r1, &r2).is_err(),
                "wrong second size"
            );
        }
        assert!(
            verify_consistency(
                second,
                second,
                &[],
                &roots[second as usize],
                &roots[second as usize]
            )
            .is_ok()
        );
        assert!(
            verify_consistency(
                second,
                second,
                &[roots[1]],
                &roots[second as usize],
                &roots[second as usize]
            )
            .is_err()
        );
    }
}

#[test]
fn a_frontier_restored_from_its_subtrees_continues_the_same_tree() {
    let leaves: Vec<Hash> = (0..37u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let store = store_of(&leaves);
    for size in 0..leaves.len() as u64 {
        let parts = Frontier::subtrees_for(size)
            .into_iter()
            .map(|s| store[&s])
            .collect();
        let mut frontier = Frontier::restore(size, parts).unwrap();
        for leaf in &leaves[size as usize..] {
            frontier.push(*leaf, |subtree, hash| assert_eq!(store[&subtree], hash));
        }
        assert_eq!(frontier.root(), mth(&leaves));
    }
    assert!(Frontier::restore(3, vec![leaves[0]]).is_err());
}

#[test]
fn a_missing_subtree_is_named() {
    let plan = inclusion_plan(2, 5).unwrap();
    let error = plan.resolve(&HashMap::new()).unwrap_err();
    assert!(matches!(error, ProofError::MissingSubtree(_)), "{error}");
}

proptest! {
    #[test]
    fn plans_agree_with_the_recursive_definitions(size in 1usize..300, a in 0usize..300, b in 0usize..300) {
        let leaves: Vec<Hash> = (0..size as u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let store = store_of(&leaves);
        let root = mth(&leaves);
        prop_assert_eq!(root_plan(size as u64).resolve(&store).unwrap()[0], root);
        let index = a % size;
        let proof = inclusion_plan(index as u64, size as u64).unwrap().resolve(&store).unwrap();
        prop_assert_eq!(&proof, &path(index, &leaves));
        prop_assert!(verify_inclusion(&leaves[index], index as u64, size as u64, &proof, &root).is_ok());
        let first = 1 + b % size;
        let proof = consistency_plan(first as u64, size as u64).unwrap().resolve(&store).unwrap();
        let want = if first == size { vec![] } else { subproof(first, &leaves, true) };
        prop_assert_eq!(&proof, &want);
        let first_root = mth(&leaves[..first]);
        prop_assert!(verify_consistency(first as u64, size as u64, &proof, &first_root, &root).is_ok());
    }
}
