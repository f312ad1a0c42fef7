//! People and bearer tokens through the binary: the token is printed once and only its hash
//! reaches the ledger; creation and revocation are entries.

use crate::support::backends::TestLedger;
use crate::support::cli::htx_ledger;

async fn exported(test: &TestLedger) -> String {
    let mut out = Vec::new();
    store::export::export_jsonl(test.ledger.database(), &mut out, |_| {})
        .await
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn user_add_prints_a_token_once_and_the_ledger_keeps_only_its_hash() {
    let test = TestLedger::sqlite().await;
    let (code, text) = htx_ledger(
        &test.url,
        None,
        &[
            "user",
            "add",
            "nguyen.thi.hoa",
            "--role",
            "clerk",
            "--agency",
            "PTCKH-205",
            "--full-name",
            "Nguyễn Thị Hoà",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_htx-ledger"))
        .args(["user", "add", "tran.van.binh", "--role", "approver"])
        .env("DATABASE_URL", &test.url)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.lines().last().unwrap().to_string();
    assert!(token.starts_with("htx_") && token.len() == 47, "{token:?}");
    let log = exported(&test).await;
    assert!(!log.contains(&token), "the token itself reached the ledger");
    assert!(log.contains(&domain::people::token_hash(&token)));
    assert!(log.contains("\"PersonAdded\"") && log.contains("Nguyễn Thị Hoà"));

    // A second add of the same person is refused and writes nothing.
    let before = store::read_head(test.ledger.database()).await.unwrap().size;
    let (code, text) = htx_ledger(
        &test.url,
        None,
        &["user", "add", "tran.van.binh", "--role", "clerk"],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("already exists"), "{text}");
    // An unknown role cannot run at all.
    let (code, text) = htx_ledger(&test.url, None, &["user", "add", "x", "--role", "boss"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unknown role"), "{text}");
    assert_eq!(
        store::read_head(test.ledger.database()).await.unwrap().size,
        before
    );

    // Revocation is an entry too; revoking again finds nothing active.
    let (code, text) = htx_ledger(
        &test.url,
        None,
        &[
            "user",
            "revoke",
            "tran.van.binh",
            "--reason",
            "chuyển công tác",
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(exported(&test).await.contains("\"TokenRevoked\""));
    let (code, _) = htx_ledger(
        &test.url,
        None,
        &["user", "revoke", "tran.van.binh", "--reason", "lần nữa"],
    );
    assert_eq!(code, 1);
}
