//! The witness's key files: `<name>-<key id>.witness-key` (the private key, readable by its
//! owner only) and `.witness-vkey` (the verifier key of type 0x04 that logs and policies
//! list). The extensions differ from a log's `.key`/`.vkey`, so that a key folder holding
//! both never mistakes one for the other.

use std::path::{Path, PathBuf};

use store::keys::{KeyRingError, read_private_key_file, write_new_key_file};
use tlog::cosignature::CosignerKey;

/// The files a new witness key was written to.
#[derive(Debug)]
pub struct GeneratedWitnessKey {
    pub private_key: PathBuf,
    pub verifier_key: PathBuf,
    pub vkey_text: String,
}

/// Generates a witness key named `name` (e.g. `stc.quangninh.gov.vn/witness`) in `dir`,
/// from the operating system's random number generator; never overwrites a file.
///
/// # Errors
/// When the name is not a valid key name or a file cannot be written.
pub fn generate(name: &str, dir: &Path) -> Result<GeneratedWitnessKey, KeyRingError> {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = CosignerKey::from_seed(name, &seed)
        .map_err(|_| KeyRingError::InvalidOrigin(name.to_owned()))?;
    seed.fill(0);
    std::fs::create_dir_all(dir).map_err(|source| KeyRingError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let vkey = key.witness_key();
    let stem = format!(
        "{}-{}",
        name.replace(['/', '\\', ':'], "_"),
        hex_id(&vkey.key_id())
    );
    let private_key = dir.join(format!("{stem}.witness-key"));
    let verifier_key = dir.join(format!("{stem}.witness-vkey"));
    let vkey_text = vkey.to_string();
    write_new_key_file(&private_key, &key.to_private_key_text(), true)?;
    write_new_key_file(&verifier_key, &vkey_text, false)?;
    Ok(GeneratedWitnessKey {
        private_key,
        verifier_key,
        vkey_text,
    })
}

/// Reads a witness's private key file.
///
/// # Errors
/// When the file cannot be read, others may read it, or it is not a witness key.
pub fn load(path: &Path) -> Result<CosignerKey, KeyRingError> {
    let text = read_private_key_file(path)?;
    CosignerKey::parse_private_key(text.trim_end()).map_err(|e| KeyRingError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn hex_id(id: &[u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_witness_key_loads_back_and_is_not_a_log_key() {
        let dir = tempfile::tempdir().unwrap();
        let generated = generate("witness.example/w1", dir.path()).unwrap();
        let key = load(&generated.private_key).unwrap();
        assert_eq!(key.witness_key().to_string(), generated.vkey_text);
        assert!(generated.vkey_text.starts_with("witness.example/w1+"));
        // A log's key folder holding it still loads (it is not a `.key`).
        assert!(store::keys::KeyRing::load(dir.path()).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let open = std::fs::Permissions::from_mode(0o644);
            std::fs::set_permissions(&generated.private_key, open).unwrap();
            assert!(matches!(
                load(&generated.private_key),
                Err(KeyRingError::Exposed { .. })
            ));
        }
    }
}
