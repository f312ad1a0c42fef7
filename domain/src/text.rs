//! Text as the ledger stores it: Unicode NFC.

use unicode_normalization::UnicodeNormalization;

/// `text` in Unicode Normalization Form C.
pub fn nfc(text: &str) -> String {
    if unicode_normalization::is_nfc(text) {
        text.to_string()
    } else {
        text.nfc().collect()
    }
}
