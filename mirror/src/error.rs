//! Why a round of the mirror stopped. Every message is in Vietnamese and English. Nothing
//! unverified is ever written: a round that stops before its copy began wrote nothing, one
//! that stops during it keeps the steps it had verified and committed ([`MirrorError::Stopped`]
//! says how many entries the mirror holds), and the next round resumes from there.

use std::path::PathBuf;

use domain::ledger::VerifyError;
use store::StoreError;
use tlog::Hash;
use tlog::note::NoteError;
use tlog::policy::PolicyRefusal;

/// Two checkpoints signed by the log's key that cannot both be true.
#[derive(Debug, Clone)]
pub struct Fork {
    /// The tree the mirror holds: its size and root, and the signed note it stored (none for
    /// a ledger that was imported rather than mirrored).
    pub held_size: u64,
    pub held_root: Hash,
    pub held_note: Option<String>,
    /// The checkpoint just fetched, signed by the log's key.
    pub fetched_size: u64,
    pub fetched_root: Hash,
    pub fetched_note: String,
    /// How the two disagree.
    pub reason: String,
    /// The folder the evidence was written into.
    pub evidence: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(
        "địa chỉ {0:?} không phải http(s)://…/ / the address {0:?} is not an http(s):// tile prefix"
    )]
    BadUrl(String),
    #[error("không kết nối được {url} / cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} trả lời HTTP {status} / {url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    #[error(
        "{url} trả lời HTTP {status}: cần mã truy cập (token) của người có vai trò mirror, auditor hoặc inspector (--token hoặc HTX_LEDGER_MIRROR_TOKEN) / {url} answered HTTP {status}: entry bundles need the bearer token of a person with role mirror, auditor or inspector (--token or HTX_LEDGER_MIRROR_TOKEN)"
    )]
    Unauthorized { url: String, status: u16 },
    #[error("điểm kiểm tra tải về không đọc được / the fetched checkpoint is unreadable: {0}")]
    BadCheckpoint(String),
    #[error(
        "điểm kiểm tra không được ký bởi nhật ký nào của chính sách; không lưu gì / the checkpoint is not signed by a log of the policy; nothing stored: {0}"
    )]
    NotSignedByLog(NoteError),
    #[error(
        "điểm kiểm tra cỡ {size} chưa đủ số nhân chứng đồng ký theo chính sách; không lưu gì / the checkpoint of size {size} lacks the policy's quorum; nothing stored: {refusal}"
    )]
    NoQuorum { size: u64, refusal: PolicyRefusal },
    #[error(
        "PHÂN NHÁNH (fork): nhật ký đã ký hai điểm kiểm tra mâu thuẫn (đang giữ cỡ {held}, vừa tải cỡ {fetched}: {reason}); bằng chứng ở {evidence}; bản sao giữ nguyên / FORK: the log signed two inconsistent checkpoints (held size {held}, fetched size {fetched}: {reason}); evidence in {evidence}; the mirror keeps what it held",
        held = .0.held_size,
        fetched = .0.fetched_size,
        reason = .0.reason,
        evidence = .0.evidence.display()
    )]
    Fork(Box<Fork>),
    #[error("ô {path} sai / the tile {path} is malformed: {reason}")]
    BadTile { path: String, reason: String },
    #[error(
        "các ô (tiles) không cho gốc đã ký ở cỡ {size}: máy chủ phục vụ ô sai / the tiles do not give the signed root at size {size}: the server serves wrong tiles"
    )]
    TilesDisagree { size: u64 },
    #[error(
        "mục {position} không khớp mã băm lá của ô cấp 0 / entry {position} does not hash to the level-0 tile's leaf hash"
    )]
    EntryMismatch { position: u64 },
    #[error("chuỗi mục không hợp lệ / the entries do not verify: {0}")]
    Chain(VerifyError),
    #[error(
        "các mục tải về không cho gốc đã ký ở cỡ {size} / the fetched entries do not give the signed root at size {size}"
    )]
    RootMismatch { size: u64 },
    #[error(
        "cơ sở dữ liệu của bản sao không nhất quán / the mirror's own database is not coherent: {0}; run `htx-ledger verify` on it"
    )]
    HeldIncoherent(String),
    #[error(
        "cơ sở dữ liệu của bản sao đã thay đổi trong lúc chép (một tiến trình khác?) / the mirror's database changed while copying (another mirror running?)"
    )]
    Concurrent,
    /// The copy stopped after some of its steps were committed: `held` entries (`from` before
    /// the round), every one verified against the signed root, the chain and the tiles.
    #[error(
        "{cause}; {}",
        kept(*from, *held)
    )]
    Stopped {
        from: u64,
        held: u64,
        cause: Box<MirrorError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("lỗi ghi tệp / I/O error: {0}")]
    Io(#[from] std::io::Error),
}

fn kept(from: u64, held: u64) -> String {
    format!(
        "bản sao giữ {held} mục đầu (trước vòng này: {from}), đã kiểm chứng với gốc đã ký; vòng sau chép tiếp từ đó / the mirror keeps its first {held} entries ({from} before this round), verified against the signed root; the next round goes on from there"
    )
}

impl MirrorError {
    /// Whether the log, its server or its checkpoint was found wanting (the command's exit 1),
    /// rather than the command being unable to run (exit 2).
    pub fn is_refusal(&self) -> bool {
        if let MirrorError::Stopped { cause, .. } = self {
            return cause.is_refusal();
        }
        matches!(
            self,
            MirrorError::NotSignedByLog(_)
                | MirrorError::NoQuorum { .. }
                | MirrorError::Fork(_)
                | MirrorError::BadTile { .. }
                | MirrorError::TilesDisagree { .. }
                | MirrorError::EntryMismatch { .. }
                | MirrorError::Chain(_)
                | MirrorError::RootMismatch { .. }
        )
    }

    /// Whether waiting and trying again may help (`--follow` warns and goes on).
    pub fn is_transient(&self) -> bool {
        match self {
            MirrorError::Unreachable { .. }
            | MirrorError::NoQuorum { .. }
            | MirrorError::Concurrent => true,
            MirrorError::Http { status, .. } => *status == 404 || *status >= 500,
            MirrorError::Stopped { cause, .. } => cause.is_transient(),
            _ => false,
        }
    }
}
