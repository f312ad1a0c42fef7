//! The audit bundle: everything an auditor needs to check the log offline, with any tool.
//!
//! ```text
//! DIR/entries.jsonl            the log, one entry's canonical bytes per line (as `export`)
//! DIR/checkpoints/<size>.checkpoint   every signed checkpoint, a C2SP signed note
//! DIR/keys/<name>-<key id>.vkey       the log's verifier keys, C2SP verifier key text
//! DIR/README.txt               what each file is and how to check it, in Vietnamese and English
//! DIR/policy.txt               the tlog-policy the checkpoints are witnessed under (if given)
//! ```
//!
//! Each checkpoint file holds the note as the log signed it followed by the cosignatures its
//! witnesses sent back (C2SP tlog-cosignature), so that `verify-bundle --policy` can check the
//! quorum offline.
//!
//! [`verify_bundle`] needs no database and no network: it re-hashes and re-links every entry,
//! recomputes the Merkle root at every checkpoint's size and checks each checkpoint's signature
//! with a verifier key the auditor obtained independently (not the bundle's own copy).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter};
use std::path::{Path, PathBuf};

use domain::ledger::{ChainVerifier, Prepared, StoredRow};
use tlog::merkle::Frontier;
use tlog::note::{VerifierKey, open_checkpoint};

use crate::database::Database;
use crate::error::StoreError;
use crate::export::export_jsonl;
use crate::keys::KeyRing;
use crate::sql::checkpoints;
use crate::tree;
use crate::verify::{CheckpointProblem, Finding};

pub const ENTRIES_FILE: &str = "entries.jsonl";
pub const CHECKPOINTS_DIR: &str = "checkpoints";
pub const KEYS_DIR: &str = "keys";
pub const README_FILE: &str = "README.txt";
pub const POLICY_FILE: &str = "policy.txt";
const CHECKPOINT_EXTENSION: &str = "checkpoint";

/// Lines read and hashed at a time while verifying.
const CHUNK: usize = 4_096;

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0} exists and is not an empty folder; not writing a bundle over it")]
    NotEmpty(PathBuf),
    #[error("the key folder holds no verifier key to put in the bundle")]
    NoKeys,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a checkpoint file name: expected <tree size>.{CHECKPOINT_EXTENSION}")]
    StrayFile { path: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
    move |source| BundleError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a written bundle holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleSummary {
    pub entries: u64,
    pub checkpoints: usize,
    pub keys: usize,
}

/// Writes the audit bundle of the whole log into `dir` (created; must be empty if it exists).
///
/// # Errors
/// [`BundleError`] when `dir` is not empty, `keys` holds no verifier key, or a read or write
/// fails.
pub async fn write_bundle(
    db: &Database,
    dir: &Path,
    keys: &KeyRing,
    policy: Option<&str>,
    progress: impl FnMut(u64),
) -> Result<BundleSummary, BundleError> {
    if keys.verifiers().is_empty() {
        return Err(BundleError::NoKeys);
    }
    if dir.exists() && fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
        return Err(BundleError::NotEmpty(dir.to_path_buf()));
    }
    let checkpoints_dir = dir.join(CHECKPOINTS_DIR);
    let keys_dir = dir.join(KEYS_DIR);
    fs::create_dir_all(&checkpoints_dir).map_err(io(&checkpoints_dir))?;
    fs::create_dir_all(&keys_dir).map_err(io(&keys_dir))?;
    // Checkpoints first: the entries read after them cover every checkpoint.
    let stored = checkpoints::all(db).await?;
    for checkpoint in &stored {
        let path = checkpoints_dir.join(format!("{}.{CHECKPOINT_EXTENSION}", checkpoint.size));
        let cosigned = crate::witnessed::cosigned(db, checkpoint.clone()).await?;
        fs::write(&path, &cosigned.note).map_err(io(&path))?;
    }
    if let Some(policy) = policy {
        let path = dir.join(POLICY_FILE);
        fs::write(&path, policy).map_err(io(&path))?;
    }
    for key in keys.verifiers() {
        let path = keys_dir.join(format!(
            "{}-{}.vkey",
            key.name().replace(['/', '\\', ':'], "_"),
            hex::encode(key.key_id())
        ));
        fs::write(&path, format!("{key}\n")).map_err(io(&path))?;
    }
    let path = dir.join(README_FILE);
    fs::write(&path, README).map_err(io(&path))?;
    let path = dir.join(ENTRIES_FILE);
    let file = File::create(&path).map_err(io(&path))?;
    let mut out = BufWriter::new(file);
    let entries = export_jsonl(db, &mut out, progress).await?;
    out.into_inner()
        .map_err(|e| BundleError::Io {
            path: path.clone(),
            source: e.into_error(),
        })?
        .sync_all()
        .map_err(io(&path))?;
    Ok(BundleSummary {
        entries,
        checkpoints: stored.len(),
        keys: keys.verifiers().len(),
    })
}

/// What [`verify_bundle`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleReport {
    pub entries: u64,
    /// Every checkpoint, smallest first: size and base64 root.
    pub checkpoints: Vec<(u64, String)>,
}

/// The signed note of the bundle's largest checkpoint (the one the bundle is at), if it has
/// any: what a relying party holds to a policy's quorum of witnesses.
///
/// # Errors
/// [`BundleError`] when the checkpoints cannot be read.
pub fn latest_checkpoint_note(dir: &Path) -> Result<Option<String>, BundleError> {
    let checkpoints_dir = dir.join(CHECKPOINTS_DIR);
    let mut latest: Option<(u64, std::path::PathBuf)> = None;
    for entry in fs::read_dir(&checkpoints_dir).map_err(io(&checkpoints_dir))? {
        let path = entry.map_err(io(&checkpoints_dir))?.path();
        let size = checkpoint_size(&path)?;
        if latest.as_ref().is_none_or(|(at, _)| size > *at) {
            latest = Some((size, path));
        }
    }
    latest
        .map(|(_, path)| fs::read_to_string(&path).map_err(io(&path)))
        .transpose()
}

/// The policy the bundle names (its `policy.txt`), if it has one. Not trusted: the auditor
/// checks with a copy obtained independently.
///
/// # Errors
/// [`BundleError`] when the file exists but cannot be read.
pub fn named_policy(dir: &Path) -> Result<Option<String>, BundleError> {
    let path = dir.join(POLICY_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(BundleError::Io { path, source }),
    }
}

/// The tree size a checkpoint file's name states.
fn checkpoint_size(path: &Path) -> Result<u64, BundleError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(&format!(".{CHECKPOINT_EXTENSION}")))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| BundleError::StrayFile {
            path: path.to_path_buf(),
        })
}

/// Verifies a bundle with no database: every entry re-hashed and re-linked, the root at every
/// checkpoint recomputed, every checkpoint's signature checked with `trusted` keys.
///
/// The outer `Result` says whether the bundle could be read; the inner one what was found.
///
/// # Errors
/// [`BundleError`] when a file cannot be read or a stray file sits among the checkpoints.
pub fn verify_bundle(
    dir: &Path,
    trusted: &[VerifierKey],
    mut progress: impl FnMut(u64),
) -> Result<Result<BundleReport, Finding>, BundleError> {
    let mut roots = Vec::new();
    let checkpoints_dir = dir.join(CHECKPOINTS_DIR);
    for entry in fs::read_dir(&checkpoints_dir).map_err(io(&checkpoints_dir))? {
        let path = entry.map_err(io(&checkpoints_dir))?.path();
        let size = checkpoint_size(&path)?;
        let note = fs::read_to_string(&path).map_err(io(&path))?;
        let opened = match open_checkpoint(&note, trusted, None) {
            Ok(opened) => opened.checkpoint,
            Err(e) => {
                return Ok(Err(Finding::Checkpoint {
                    size,
                    problem: CheckpointProblem::Signature(e.to_string()),
                }));
            }
        };
        if opened.size != size {
            return Ok(Err(Finding::Checkpoint {
                size,
                problem: CheckpointProblem::ColumnsDiffer,
            }));
        }
        roots.push((opened.size, opened.root));
    }
    roots.sort();
    if roots.is_empty() {
        return Ok(Err(Finding::NoCheckpoint));
    }
    let path = dir.join(ENTRIES_FILE);
    let file = File::open(&path).map_err(io(&path))?;
    let mut lines = BufReader::with_capacity(1 << 20, file).split(b'\n');
    let mut verifier = ChainVerifier::new();
    let mut frontier = Frontier::new();
    let mut pending = roots.iter().peekable();
    let mut chunk: Vec<Vec<u8>> = Vec::with_capacity(CHUNK);
    loop {
        chunk.clear();
        for line in lines.by_ref().take(CHUNK) {
            chunk.push(line.map_err(io(&path))?);
        }
        if chunk.is_empty() {
            break;
        }
        let base = verifier.size();
        let row = |i: usize, bytes: &[u8]| -> Prepared {
            Prepared::of(&StoredRow {
                position: base + i as u64,
                bytes,
                stored_leaf_hash: None,
                columns: None,
            })
        };
        // Hashing and parsing are independent per line: half the chunk on a second thread.
        let half = chunk.len() / 2;
        let (first, second) = chunk.split_at(half);
        let prepared: Vec<Prepared> = std::thread::scope(|scope| {
            let other = scope.spawn(|| {
                second
                    .iter()
                    .enumerate()
                    .map(|(i, b)| row(half + i, b))
                    .collect::<Vec<_>>()
            });
            let mut prepared: Vec<Prepared> =
                first.iter().enumerate().map(|(i, b)| row(i, b)).collect();
            match other.join() {
                Ok(rest) => prepared.extend(rest),
                Err(_) => prepared.clear(),
            }
            prepared
        });
        if prepared.len() != chunk.len() {
            return Err(BundleError::Io {
                path,
                source: std::io::Error::other("a checking thread failed"),
            });
        }
        for (i, (bytes, prepared)) in chunk.iter().zip(prepared).enumerate() {
            let stored = StoredRow {
                position: base + i as u64,
                bytes,
                stored_leaf_hash: None,
                columns: None,
            };
            let leaf = match verifier.push_prepared(stored, prepared) {
                Ok(leaf) => leaf,
                Err(error) => return Ok(Err(Finding::Chain(error))),
            };
            frontier.push(tree::leaf(&leaf), |_, _| {});
            while let Some(&&(size, signed)) = pending.peek() {
                if size > frontier.size() {
                    break;
                }
                pending.next();
                let computed = frontier.root();
                if size < frontier.size() || computed != signed {
                    return Ok(Err(Finding::Checkpoint {
                        size,
                        problem: CheckpointProblem::RootMismatch {
                            signed: signed.to_base64(),
                            computed: computed.to_base64(),
                        },
                    }));
                }
            }
        }
        progress(verifier.size());
    }
    let entries = verifier.size();
    if let Err(error) = verifier.finish(None) {
        return Ok(Err(Finding::Chain(error)));
    }
    if let Some(&(size, _)) = pending.next() {
        return Ok(Err(Finding::Checkpoint {
            size,
            problem: CheckpointProblem::BeyondLog { log: entries },
        }));
    }
    // Size 0 checkpoints sign the empty root; check them too.
    if let Some(&(0, signed)) = roots.first()
        && signed != tlog::merkle::empty_root()
    {
        return Ok(Err(Finding::Checkpoint {
            size: 0,
            problem: CheckpointProblem::RootMismatch {
                signed: signed.to_base64(),
                computed: tlog::merkle::empty_root().to_base64(),
            },
        }));
    }
    Ok(Ok(BundleReport {
        entries,
        checkpoints: roots
            .iter()
            .map(|(size, root)| (*size, root.to_base64()))
            .collect(),
    }))
}

const README: &str = r#"HTX-LEDGER — GÓI KIỂM TOÁN / AUDIT BUNDLE
==========================================

TIẾNG VIỆT

Gói này chứa toàn bộ sổ cái của chương trình phát triển hợp tác xã tỉnh Quảng Ninh
(Kế hoạch 31/KH-UBND) để kiểm toán viên tự kiểm tra, không cần máy chủ, cơ sở dữ liệu
hay mạng, và không cần tin người quản trị.

  entries.jsonl        Mỗi dòng là một bút toán (entry): các byte JSON chuẩn hoá theo
                       RFC 8785, đúng như đã được băm. Dòng thứ n (đếm từ 0) có position = n.
  checkpoints/N.checkpoint
                       Điểm kiểm (checkpoint) đã ký cho cây gồm N bút toán đầu tiên, theo
                       chuẩn C2SP tlog-checkpoint trong một C2SP signed note: dòng nguồn gốc
                       (origin), số bút toán N, gốc cây Merkle (base64), một dòng trống, rồi
                       các dòng chữ ký "— <tên khoá> <base64>".
  keys/*.vkey          Khoá kiểm tra chữ ký (C2SP verifier key). Hãy lấy khoá này từ một nguồn
                       độc lập (công văn, trang thông tin của Sở Tài chính), không chỉ tin bản
                       trong gói.

Cách kiểm tra, với bất kỳ công cụ nào:
  1. Với mỗi dòng: băm lá = SHA-256(0x00 || byte của dòng). Trường "prev_hash" của dòng n
     phải bằng băm lá của dòng n-1 (dòng 0: 64 chữ số 0); "position" phải bằng n; với mỗi
     (aggregate_type, aggregate_id), "sequence" tăng dần 1, 2, 3, ...
  2. Gốc cây Merkle của N dòng đầu tính theo RFC 6962 / RFC 9162 mục 2.1 (nút trong =
     SHA-256(0x01 || trái || phải)) phải bằng gốc trong checkpoints/N.checkpoint.
  3. Chữ ký Ed25519 của mỗi checkpoint phải đúng với khoá trong keys/ (định dạng C2SP
     signed-note; công cụ tham khảo: golang.org/x/mod/sumdb/note, transparency-dev).
  4. Nếu sổ cái có nhân chứng (witness): sau chữ ký của sổ cái, mỗi checkpoint có thêm các
     dòng đồng ký (cosignature, C2SP tlog-cosignature) của nhân chứng. policy.txt (nếu có) là
     chính sách (C2SP tlog-policy) nêu khoá của sổ cái, các nhân chứng và số đồng ký cần có;
     hãy dùng bản chính sách nhận từ nguồn độc lập:
       htx-ledger verify-bundle THƯ_MỤC --policy TỆP_CHÍNH_SÁCH
  Hoặc dùng chương trình này:  htx-ledger verify-bundle THƯ_MỤC --vkey TỆP_KHOÁ.vkey

ENGLISH

This bundle holds the whole ledger of Quảng Ninh's cooperative development programme
(plan 31/KH-UBND) for an auditor to check on their own: no server, no database, no network,
and no trust in the administrator.

  entries.jsonl        One entry per line: its RFC 8785 canonical JSON bytes, exactly as
                       hashed. Line n (from 0) has position n.
  checkpoints/N.checkpoint
                       The signed checkpoint of the tree of the first N entries: a C2SP
                       tlog-checkpoint in a C2SP signed note (origin line, tree size N, base64
                       Merkle root, a blank line, then "— <key name> <base64>" signature lines).
  keys/*.vkey          The log's verifier keys (C2SP verifier key text). Obtain the key from an
                       independent source as well (an official letter, the Department of
                       Finance's website); do not rely on the bundle's copy alone.

How to check, with any tool:
  1. For each line: leaf hash = SHA-256(0x00 || the line's bytes). Line n's "prev_hash" must be
     the leaf hash of line n-1 (64 zeros for line 0), its "position" must be n, and for each
     (aggregate_type, aggregate_id) the "sequence" runs 1, 2, 3, ...
  2. The RFC 6962 / RFC 9162 section 2.1 Merkle root of the first N lines (interior node =
     SHA-256(0x01 || left || right)) must equal the root in checkpoints/N.checkpoint.
  3. Each checkpoint's Ed25519 signature must verify with a key in keys/ (C2SP signed-note
     format; reference tools: golang.org/x/mod/sumdb/note, transparency-dev).
  4. If the log has witnesses: after the log's signature, each checkpoint carries the
     witnesses' cosignature lines (C2SP tlog-cosignature). policy.txt (if present) is the
     C2SP tlog-policy naming the log's key, the witnesses and the quorum; check with a copy
     of the policy obtained independently:
       htx-ledger verify-bundle DIR --policy POLICYFILE
  Or run:  htx-ledger verify-bundle DIR --vkey KEYFILE.vkey
"#;
