//! The log's signing keys, kept as files in one folder (`--key-dir`, `HTX_LEDGER_KEY_DIR`).
//!
//! - `<name>-<key id>.key`: a private key, `PRIVATE+KEY+<name>+<key id>+<base64>`, readable
//!   only by its owner (mode 0600); the ledger refuses one that others may read;
//! - `<name>-<key id>.vkey`: the C2SP verifier key text `<name>+<key id>+<base64>`.
//!
//! Every private key present signs new checkpoints; every verifier key (and the public half of
//! every private key) verifies old ones, so a rotated-out key whose `.vkey` stays keeps the
//! checkpoints it signed verifiable. The secret never appears in errors, logs or `Debug`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use tlog::note::{SigningKey, VerifierKey};

/// The keys found in a key folder.
#[derive(Debug, Default)]
pub struct KeyRing {
    signers: Vec<SigningKey>,
    verifiers: Vec<VerifierKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("cannot read the key folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is not a valid key: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "private key file {path} may be read by others (mode {mode:o}); make it readable by its owner only: chmod 600"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("the signing keys name different logs ({0}); one log has one origin")]
    MixedOrigins(String),
    #[error("{0} already exists; not overwriting a key")]
    Exists(PathBuf),
    #[error("cannot write key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0:?} cannot name a log: use a name with no spaces and no '+', e.g. quangninh.gov.vn/htx-ledger"
    )]
    InvalidOrigin(String),
}

impl KeyRing {
    /// Reads every `.key` and `.vkey` file in `dir`.
    ///
    /// # Errors
    /// [`KeyRingError`] for an unreadable folder or file, an invalid key, a private key that
    /// others may read, or signing keys of different origins.
    pub fn load(dir: &Path) -> Result<KeyRing, KeyRingError> {
        let entries = fs::read_dir(dir).map_err(|source| KeyRingError::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        paths.sort();
        let mut ring = KeyRing::default();
        for path in paths {
            match path.extension().and_then(|e| e.to_str()) {
                Some("key") => {
                    check_private(&path)?;
                    let text = read(&path)?;
                    // The parser never repeats the text in its errors.
                    let key = SigningKey::parse_private_key(text.trim_end()).map_err(|e| {
                        KeyRingError::Invalid {
                            path: path.clone(),
                            reason: e.to_string(),
                        }
                    })?;
                    ring.add_signer(key);
                }
                Some("vkey") => {
                    let text = read(&path)?;
                    let key =
                        VerifierKey::parse(text.trim_end()).map_err(|e| KeyRingError::Invalid {
                            path: path.clone(),
                            reason: e.to_string(),
                        })?;
                    ring.add_verifier(key);
                }
                _ => {}
            }
        }
        let mut origins: Vec<&str> = ring.signers.iter().map(SigningKey::name).collect();
        origins.dedup();
        if origins.len() > 1 {
            return Err(KeyRingError::MixedOrigins(origins.join(", ")));
        }
        Ok(ring)
    }

    /// A key ring of the given keys (tests, and callers holding keys already).
    pub fn of(signers: Vec<SigningKey>, verifiers: Vec<VerifierKey>) -> KeyRing {
        let mut ring = KeyRing::default();
        for key in signers {
            ring.add_signer(key);
        }
        for key in verifiers {
            ring.add_verifier(key);
        }
        ring
    }

    fn add_signer(&mut self, key: SigningKey) {
        self.add_verifier(key.verifier_key());
        self.signers.push(key);
    }

    fn add_verifier(&mut self, key: VerifierKey) {
        if !self.verifiers.contains(&key) {
            self.verifiers.push(key);
        }
    }

    /// The keys that sign new checkpoints.
    pub fn signers(&self) -> &[SigningKey] {
        &self.signers
    }

    /// The keys that verify checkpoints.
    pub fn verifiers(&self) -> &[VerifierKey] {
        &self.verifiers
    }

    /// The log's origin: the name of its signing keys.
    pub fn origin(&self) -> Option<&str> {
        self.signers.first().map(SigningKey::name)
    }
}

/// The files a new key was written to.
#[derive(Debug)]
pub struct GeneratedKey {
    pub private_key: PathBuf,
    pub verifier_key: PathBuf,
    pub vkey_text: String,
}

/// Generates a new Ed25519 key named `origin` in `dir` (created if missing), from the
/// operating system's random number generator. The private key file is created readable by
/// its owner only; neither file is ever overwritten.
///
/// # Errors
/// [`KeyRingError`] when the origin is not a valid key name or a file cannot be written.
pub fn generate(origin: &str, dir: &Path) -> Result<GeneratedKey, KeyRingError> {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = SigningKey::from_seed(origin, &seed)
        .map_err(|_| KeyRingError::InvalidOrigin(origin.to_owned()))?;
    seed.fill(0);
    fs::create_dir_all(dir).map_err(|source| KeyRingError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let stem = format!(
        "{}-{}",
        origin.replace(['/', '\\', ':'], "_"),
        hex::encode(key.key_id())
    );
    let private_key = dir.join(format!("{stem}.key"));
    let verifier_key = dir.join(format!("{stem}.vkey"));
    let vkey_text = key.verifier_key().to_string();
    write_new(&private_key, &key.to_private_key_text(), true)?;
    write_new(&verifier_key, &vkey_text, false)?;
    Ok(GeneratedKey {
        private_key,
        verifier_key,
        vkey_text,
    })
}

/// Writes a new key file, never overwriting one: a private one readable by its owner only.
/// Other key kinds (a witness's key) are written through this too.
///
/// # Errors
/// [`KeyRingError::Exists`], or the write's error.
pub fn write_new_key_file(path: &Path, text: &str, private: bool) -> Result<(), KeyRingError> {
    write_new(path, text, private)
}

/// Reads a private key file, refusing one that others may read, without showing its text.
///
/// # Errors
/// [`KeyRingError::Exposed`], or the read's error.
pub fn read_private_key_file(path: &Path) -> Result<String, KeyRingError> {
    check_private(path)?;
    read(path)
}

fn write_new(path: &Path, text: &str, private: bool) -> Result<(), KeyRingError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyRingError::Exists(path.to_path_buf())
        } else {
            KeyRingError::Write {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|source| KeyRingError::Write {
            path: path.to_path_buf(),
            source,
        })
}

fn read(path: &Path) -> Result<String, KeyRingError> {
    fs::read_to_string(path).map_err(|source| KeyRingError::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), KeyRingError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|source| KeyRingError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(KeyRingError::Exposed {
            path: path.to_path_buf(),
            mode: mode & 0o777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), KeyRingError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_loads_back_and_its_secret_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let generated = generate("quangninh.gov.vn/htx-ledger", dir.path()).unwrap();
        assert!(
            generated
                .vkey_text
                .starts_with("quangninh.gov.vn/htx-ledger+")
        );
        let ring = KeyRing::load(dir.path()).unwrap();
        assert_eq!(ring.signers().len(), 1);
        assert_eq!(ring.verifiers().len(), 1);
        assert_eq!(ring.origin(), Some("quangninh.gov.vn/htx-ledger"));
        assert_eq!(ring.verifiers()[0].to_string(), generated.vkey_text);
        let secret = fs::read_to_string(&generated.private_key).unwrap();
        let debug = format!("{ring:?}");
        let base64_secret = secret.trim_end().rsplit('+').next().unwrap();
        assert!(!debug.contains(base64_secret), "{debug}");
        // Never overwritten.
        assert!(matches!(
            write_new(&generated.private_key, "x", true),
            Err(KeyRingError::Exists(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_private_key_others_may_read_is_refused_without_showing_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let generated = generate("htx.example/log", dir.path()).unwrap();
        fs::set_permissions(&generated.private_key, fs::Permissions::from_mode(0o644)).unwrap();
        let error = KeyRing::load(dir.path()).unwrap_err();
        assert!(matches!(error, KeyRingError::Exposed { .. }), "{error}");
        let secret = fs::read_to_string(&generated.private_key).unwrap();
        assert!(!error.to_string().contains(secret.trim_end()));
    }

    #[test]
    fn a_damaged_key_file_is_named_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let generated = generate("htx.example/log", dir.path()).unwrap();
        let secret = fs::read_to_string(&generated.private_key).unwrap();
        let damaged = secret
            .trim_end()
            .replacen("PRIVATE+KEY+", "PRIVATE+KEY+x", 1);
        fs::remove_file(&generated.private_key).unwrap();
        write_new(&generated.private_key, &damaged, true).unwrap();
        let error = KeyRing::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains(".key"), "{error}");
        // The whole base64 part (`PRIVATE+KEY+<name>+<id>+<base64>`; base64 may hold '+', so
        // its last piece alone can be a character or two, found in any message by chance).
        let b64 = secret.trim_end().splitn(5, '+').nth(4).unwrap();
        assert!(!error.contains(b64), "{error}");
    }
}
