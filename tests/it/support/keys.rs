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

/// Generates a log key with the CLI, as an operator would, in `dir`: returns (private key
/// file, verifier key file).
pub fn generate_log_key(dir: &Path, origin: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let out = dir.to_str().expect("a UTF-8 path");
    let (code, output) = super::cli::htx_ledger(
        "sqlite::memory:",
        None,
        &["key", "generate", "--origin", origin, "--out", out],
    );
    assert_eq!(code, 0, "{output}");
    let with_extension = |extension: &str| {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == extension))
            .unwrap_or_else(|| panic!("a .{extension} file in {}", dir.display()))
    };
    (with_extension("key"), with_extension("vkey"))
}
