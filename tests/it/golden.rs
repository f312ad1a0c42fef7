//! Known answers: what the program writes for a fixed input, recorded once and held to since.
//! A restructuring must not change a byte of the demo's ledger, the projections' digests, the
//! OpenAPI document or the reports; a change that does (a new scenario version, a new table)
//! records the new values here on purpose, saying why in its commit.
//!
//! The values were recorded by this test itself (it prints what it got when they differ), on
//! the code of commit c6968a3 (the end of issue 13: scenario version 2): the demo played with
//! `htx-ledger demo --seed 3 --scale 0.05` into an empty SQLite file, a checkpoint signed with
//! the tests' key of seed 7 (`support::keys`), then `export --out`, `replay`, and the three
//! reports as JSON at that checkpoint.

use sha2::{Digest, Sha256};

use crate::support::cli::htx_ledger;
use crate::support::keys::write_key;

/// SHA-256 of the demo's export (JSON lines, one entry's bytes each).
const EXPORT_SHA256: &str = "3f55d8df7f1873bb7b5d096aa52a9837f7d4808790e9eea258b8601071b1fb4f";
/// `replay`'s digest lines (table, rows, SHA-256), as printed.
const REPLAY_DIGESTS: &str = "
registry registry 36 rows sha256 c1f11a5fb3d1ad2d719277c951c251e5565c93bdf00f05a0039bb863de0d2bcc
registry registry_units 15 rows sha256 8e8a88d931409e66d1d22e7bda28e5041d9522d1af508a6d88835b2b85ff4351
registry registry_duplicate_registrations 0 rows sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
dissolution_progress dissolution_progress 8 rows sha256 dabc01cb463f7e6826b2115123d540a3270a1b4e337aaf845b8319f03e1b8288
plan_progress plan_progress 47 rows sha256 442784c840069bec1b0e3b2d350dc947d3460380b43c14f92ea3556d1f962702
plan_progress plan_progress_sources 195 rows sha256 08dcf5a6a45f070588faedd6ac9d78453457041e1101f7b27bd5a379c48efa51
funding_balances funding_balances 78 rows sha256 2bc424b064fa7160fe7a162b22dfd6a87c782626cf43fcea7afa088d2ff248c6
funding_balances funding_movements 404 rows sha256 de96fe36592246b753444ba70dd7c2ac926ddd8f9c8cf700010b2d11682ad27f
funding_balances funding_as_of 1 rows sha256 ab889e8a4b5cbc5dd5db3429d532a6d94d8b169d03e5a8ea26ed831bb9114561
settlement_checks settlement_checks 168 rows sha256 131859f97c69baba1db4a3d09b5ff22d0fab9d5783e6ef6d5235f8fb4baaf7dc
beneficiary_history beneficiary_history 57 rows sha256 331c65998d237909fca193eb1acf263a35f8058638b7894caf1a1978f9ae7050
";
/// SHA-256 of the OpenAPI document as served (`/openapi.json`). Issue 16 added
/// `POST /api/v1/batch` with its schemas (`BatchRequest`, `BatchCommand`, `BatchAccepted`) and
/// the problem's `command_index`, nothing else (before it:
/// 045929ae2fe0ea1aefc1d0a9c146a36c23f6160d0f8378da79d984e08ed7c558). Issue 15 added the tile routes
/// (`/tlog/…`; then 9e91390be9488ac894f53b6bfaf02130e5635a9258873dc075ceb9154990a6e4), then
/// `GET /api/v1/ledger/witnesses` with its schemas and `/readyz`'s `witness_alarms`, and the
/// role `mirror` (in the `Role` schema and on the entry-bundle route), nothing else; at the
/// end of issue 14 it was 29209cbf815c53dc8d5a827e6afe0b2f8235407ece021fdd7a1a995dc25cc06b.
const OPENAPI_SHA256: &str = "00415cdd0682b6889802ee15ea7502159e6b511482d8a33cb5500679cb1afe6d";
/// SHA-256 of each report written as JSON at the checkpoint.
const REPORTS_SHA256: [(&str, &str); 3] = [
    (
        "settlement",
        "5752e4bd705985a9eb6e1d9509ce38935e54754e9d4ee4f59bd1d62afc0d6a7e",
    ),
    (
        "periodic",
        "d9d6d9c0adf635c89793d9606da3fcd34e4b2f7314b02d646780b5d2db461e26",
    ),
    (
        "plan",
        "690ad7845a148f225914b156164a9ebd85973d688593ec1be1aac2d02847fe0b",
    ),
];

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn run(url: &str, keys: Option<&std::path::Path>, args: &[&str]) -> String {
    let (code, out) = htx_ledger(url, keys, args);
    assert_eq!(code, 0, "htx-ledger {args:?}: {out}");
    out
}

/// The digest lines `replay` prints: `table rows sha256`, whatever else it logs around them.
pub(crate) fn digest_lines(out: &str) -> String {
    out.lines()
        .filter(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.len() >= 3
                && words
                    .last()
                    .is_some_and(|w| w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_demo_its_digests_the_openapi_document_and_the_reports_are_the_recorded_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("golden.sqlite3").display());
    let keys = dir.path().join("keys");
    write_key(&keys, 7);
    run(&url, None, &["demo", "--seed", "3", "--scale", "0.05"]);
    run(&url, Some(&keys), &["checkpoint"]);
    let export = dir.path().join("export.jsonl");
    run(&url, None, &["export", "--out", export.to_str().unwrap()]);
    let export = sha256(&std::fs::read(&export).unwrap());
    let digests = digest_lines(&run(&url, None, &["replay"]));
    let openapi = sha256(&serde_json::to_vec(&api::http::routes::openapi_document()).unwrap());
    let mut reports = Vec::new();
    for (kind, args) in [
        ("settlement", vec!["--year", "2018"]),
        ("periodic", vec!["--period", "2018"]),
        ("plan", vec![]),
    ] {
        let out = dir.path().join(format!("{kind}.json"));
        let mut command = vec!["report", kind];
        command.extend(args);
        command.extend(["--format", "json", "--out", out.to_str().unwrap()]);
        run(&url, None, &command);
        reports.push((kind, sha256(&std::fs::read(&out).unwrap())));
    }
    let got = format!(
        "EXPORT_SHA256 = {export}\nREPLAY_DIGESTS =\n{digests}\nOPENAPI_SHA256 = {openapi}\nREPORTS_SHA256 = {reports:?}"
    );
    assert!(!digests.is_empty(), "replay printed no digests: {got}");
    assert_eq!(export, EXPORT_SHA256, "{got}");
    assert_eq!(digests, REPLAY_DIGESTS.trim(), "{got}");
    assert_eq!(openapi, OPENAPI_SHA256, "{got}");
    let recorded: Vec<(&str, String)> = REPORTS_SHA256
        .iter()
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
    assert_eq!(reports, recorded, "{got}");
}
