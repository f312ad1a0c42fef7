//! Signing keys for tests: deterministic (RFC 8032 signatures are), written as the CLI expects.

use std::path::Path;

use store::keys::KeyRing;
use tlog::note::SigningKey;

pub const ORIGIN: &str = "test.quangninh.gov.vn/htx-ledger";

pub fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_seed(ORIGIN, &[seed; 32]).expect("a valid key")
}

pub fn ring(seed: u8) -> KeyRing {
    KeyRing::of(vec![signing_key(seed)], vec![])
}

/// Writes the key of `seed` into `dir` as `key generate` would: a private `.key` (mode 0600)
/// and its `.vkey`. Returns the `.vkey` path.
pub fn write_key(dir: &Path, seed: u8) -> std::path::PathBuf {
    let key = signing_key(seed);
    std::fs::create_dir_all(dir).unwrap();
    let stem = format!("key-{seed}");
    let private = dir.join(format!("{stem}.key"));
    std::fs::write(&private, key.to_private_key_text() + "\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let vkey = dir.join(format!("{stem}.vkey"));
    std::fs::write(&vkey, format!("{}\n", key.verifier_key())).unwrap();
    vkey
}
