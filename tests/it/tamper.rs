//! Immutability and tamper detection: what the database refuses, and what `verify` finds when
//! someone with the owner's rights goes around the refusal.

use sqlx::{Connection, Executor, SqliteConnection};
use store::verify::verify_log;

use crate::support::backends::TestLedger;
use store::testing::{metadata, record};

async fn with_entries(ledger: &TestLedger, count: u64) {
    let cqrs = ledger.tallies();
    for i in 0..count {
        let id = format!("570050000{}", i % 2);
        cqrs.execute_with_metadata(
            &id,
            record(100_000 * (i as i64 + 1), "Hỗ trợ xúc tiến thương mại"),
            metadata(i),
        )
        .await
        .unwrap();
    }
}

fn htx_ledger(url: &str, args: &[&str]) -> (i32, String) {
    crate::support::cli::htx_ledger(url, None, args)
}

#[tokio::test]
async fn postgres_refuses_update_delete_and_truncate_to_the_application_and_the_owner() {
    let ledger = TestLedger::postgres().await;
    with_entries(&ledger, 3).await;
    let store::Pool::Postgres(app) = ledger.ledger.database().pool() else {
        unreachable!()
    };

    // The application's role has no UPDATE or DELETE privilege at all.
    for sql in [
        "UPDATE ledger_entries SET entry = entry || '\\x00'::bytea WHERE position = 1",
        "DELETE FROM ledger_entries WHERE position = 2",
        "TRUNCATE ledger_entries",
    ] {
        let error = app.execute(sql).await.expect_err(sql).to_string();
        assert!(error.contains("permission denied"), "{sql}: {error}");
    }
    // The owner has the privileges, and the trigger refuses all the same.
    let mut owner = ledger.pg.as_ref().unwrap().owner().await;
    for sql in [
        "UPDATE ledger_entries SET entry = entry || '\\x00'::bytea WHERE position = 1",
        "DELETE FROM ledger_entries WHERE position = 2",
        "TRUNCATE ledger_entries",
        "UPDATE ledger_head SET size = 1",
        "DELETE FROM ledger_head",
    ] {
        let error = owner.execute(sql).await.expect_err(sql).to_string();
        assert!(
            error.contains("append-only") || error.contains("only moves forward"),
            "{sql}: {error}"
        );
    }
    let verified = verify_log(ledger.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect("still intact");
    assert_eq!(verified.size, 3);
}

#[tokio::test]
async fn sqlite_refuses_update_and_delete() {
    let ledger = TestLedger::sqlite().await;
    with_entries(&ledger, 3).await;
    let mut conn = SqliteConnection::connect(&ledger.url).await.unwrap();
    for sql in [
        "UPDATE ledger_entries SET entry = entry || x'00' WHERE position = 1",
        "DELETE FROM ledger_entries WHERE position = 2",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_head SET size = 1",
    ] {
        let error = conn.execute(sql).await.expect_err(sql).to_string();
        assert!(
            error.contains("append-only") || error.contains("only moves forward"),
            "{sql}: {error}"
        );
    }
}

/// Drops the triggers as the owner, runs `tamper`, and expects `verify` to name `position`
/// and `kind`, through the library and through the binary (exit code 1).
async fn check_tamper(tamper: &[&str], position: u64, kind: &str) {
    let ledger = TestLedger::postgres().await;
    with_entries(&ledger, 8).await;
    let (code, text) = htx_ledger(&ledger.url, &["verify"]);
    assert_eq!(code, 0, "intact log: {text}");
    assert!(text.contains("intact: 8 entries"), "{text}");

    let mut owner = ledger.pg.as_ref().unwrap().owner().await;
    owner
        .execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        .await
        .unwrap();
    owner
        .execute("DROP TRIGGER ledger_head_forward ON ledger_head")
        .await
        .unwrap();
    for sql in tamper {
        owner
            .execute(*sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let found = verify_log(ledger.ledger.database(), |_| {})
        .await
        .unwrap()
        .expect_err("tampering found");
    assert_eq!(
        (found.position, found.problem.kind()),
        (position, kind),
        "{found}"
    );

    let (code, text) = htx_ledger(&ledger.url, &["verify"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("ALTERED at position {position}: {kind}")),
        "{text}"
    );
}

#[tokio::test]
async fn verify_finds_a_changed_payload_byte() {
    check_tamper(
        &[
            "UPDATE ledger_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), \
           '\"amount\":400000', '\"amount\":900000'), 'UTF8') WHERE position = 3",
        ],
        3,
        "hash mismatch",
    )
    .await;
}

#[tokio::test]
async fn verify_finds_a_changed_metadata_value() {
    check_tamper(
        &[
            "UPDATE ledger_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), \
           '\"role\":\"clerk\"', '\"role\":\"admin\"'), 'UTF8') WHERE position = 5",
        ],
        5,
        "hash mismatch",
    )
    .await;
}

#[tokio::test]
async fn verify_finds_a_deleted_entry() {
    check_tamper(&["DELETE FROM ledger_entries WHERE position = 4"], 4, "gap").await;
}

#[tokio::test]
async fn verify_finds_two_swapped_entries() {
    // Rows 2 and 3 trade places whole: bytes, hash and columns.
    check_tamper(
        &[
            "UPDATE ledger_entries SET position = position + 1000 WHERE position IN (2, 3)",
            "UPDATE ledger_entries SET position = 3 WHERE position = 1002",
            "UPDATE ledger_entries SET position = 2 WHERE position = 1003",
        ],
        2,
        "position mismatch",
    )
    .await;
}

#[tokio::test]
async fn verify_finds_a_truncated_tail() {
    check_tamper(
        &["DELETE FROM ledger_entries WHERE position >= 6"],
        6,
        "truncated",
    )
    .await;
}

#[tokio::test]
async fn verify_finds_an_edit_whose_hash_was_recomputed_through_the_next_link() {
    check_tamper(
        &[
            "UPDATE ledger_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), \
             '\"amount\":300000', '\"amount\":800000'), 'UTF8') WHERE position = 2",
            "UPDATE ledger_entries SET leaf_hash = sha256('\\x00'::bytea || entry) WHERE position = 2",
        ],
        3,
        "broken link",
    )
    .await;
}

#[tokio::test]
async fn verify_exits_2_when_the_database_cannot_be_opened() {
    let (code, text) = htx_ledger("mysql://nowhere", &["verify"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unsupported database URL"), "{text}");
}
