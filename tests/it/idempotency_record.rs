//! The response remembered under an idempotency key is written with the entries it answers,
//! in the same statement (PostgreSQL's fast path) or transaction (SQLite, and the locked path
//! after another writer moved the head): both or neither. A conflict remembers nothing, and
//! a key keeps its first response. Also the log reader's filters and the statement count.

use std::sync::Arc;

use futures::TryStreamExt;
use store::service::remembered_response;
use store::testing::metadata;
use store::{AppendRequest, Ledger, LogFilter, NewEvent, Remember, StoreError, Written};

use crate::support::backends::{TestLedger, test_clock};

const USER: &str = "thu-ky";

/// A response naming where each entry landed, as the HTTP service makes one.
fn remember(key: &str) -> Remember {
    Remember {
        user_id: USER.into(),
        key: key.into(),
        request_sha256: format!("sha-of-{key}"),
        respond: Arc::new(|written: &[Written]| {
            let positions: Vec<String> = written
                .iter()
                .map(|w| format!("{}:{}@{}", w.aggregate_id, w.event_type, w.at.position))
                .collect();
            (200, positions.join(","))
        }),
    }
}

fn request(id: &str, expected_sequence: u64, events: u64, key: Option<&str>) -> AppendRequest {
    AppendRequest {
        aggregate_type: "Tally".into(),
        aggregate_id: id.into(),
        expected_sequence,
        events: (0..events)
            .map(|i| NewEvent {
                event_type: "TallyRecorded".into(),
                event_version: "1".into(),
                payload: serde_json::json!({"Recorded": {"amount": i, "note": "ghi"}}),
            })
            .collect(),
        metadata: serde_json::to_value(
            domain::ledger::EventMetadata::from_map(&metadata(expected_sequence)).unwrap(),
        )
        .unwrap(),
        remember: key.map(remember),
    }
}

/// Appends `request`, which must be accepted.
async fn append(ledger: &Ledger, request: AppendRequest) -> Vec<store::Appended> {
    ledger.appender().append(request).await.unwrap()
}

async fn response(ledger: &Ledger, key: &str) -> Option<String> {
    remembered_response(ledger.database(), USER, key)
        .await
        .unwrap()
        .map(|r| {
            assert_eq!(r.request_sha256, format!("sha-of-{key}"));
            assert_eq!(r.status, 200);
            r.response
        })
}

async fn the_record_is_written_with_the_entries_or_not_at_all(test: &TestLedger) {
    let ledger = &test.ledger;
    append(ledger, request("a", 0, 1, None)).await;
    let appended = append(ledger, request("a", 1, 2, Some("k1"))).await;
    assert_eq!(
        appended.iter().map(|a| a.position).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        response(ledger, "k1").await.as_deref(),
        Some("a:TallyRecorded@1,a:TallyRecorded@2")
    );

    // A stale expected sequence: refused, nothing written, nothing remembered.
    let before = store::read_head(ledger.database()).await.unwrap();
    let refused = ledger
        .appender()
        .append(request("a", 1, 1, Some("k2")))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(store::read_head(ledger.database()).await.unwrap(), before);
    assert_eq!(response(ledger, "k2").await, None);

    // A key already remembered keeps its first response.
    append(ledger, request("b", 0, 1, Some("k1"))).await;
    assert_eq!(
        response(ledger, "k1").await.as_deref(),
        Some("a:TallyRecorded@1,a:TallyRecorded@2")
    );

    // Another writer moves the head: the next append takes the locked path, record included.
    let other = Ledger::open(&test.url, test_clock()).await.unwrap();
    append(&other, request("c", 0, 1, None)).await;
    append(ledger, request("a", 3, 1, Some("k3"))).await;
    assert_eq!(
        response(ledger, "k3").await.as_deref(),
        Some("a:TallyRecorded@5")
    );
    other.database().close().await;
}

#[tokio::test]
async fn sqlite_writes_the_record_with_the_entries_or_not_at_all() {
    the_record_is_written_with_the_entries_or_not_at_all(&TestLedger::sqlite().await).await;
}

#[tokio::test]
async fn postgres_writes_the_record_with_the_entries_or_not_at_all() {
    the_record_is_written_with_the_entries_or_not_at_all(&TestLedger::postgres().await).await;
}

#[tokio::test]
async fn on_postgres_an_append_and_its_record_are_one_statement() {
    let test = TestLedger::postgres().await;
    let ledger = &test.ledger;
    append(ledger, request("a", 0, 1, None)).await;
    let before = ledger.database().statements();
    append(ledger, request("a", 1, 3, Some("one"))).await;
    assert_eq!(ledger.database().statements() - before, 1);
    assert!(response(ledger, "one").await.is_some());
}

async fn filters_select_what_they_say(test: &TestLedger) {
    let ledger = &test.ledger;
    for (id, sequence) in [("a", 0), ("b", 0), ("a", 1), ("c", 0), ("a", 2)] {
        append(ledger, request(id, sequence, 1, None)).await;
    }
    let db = ledger.database();
    let positions = |filter: LogFilter| async move {
        store::read_log(db, filter)
            .map_ok(|row| (row.position, row.aggregate_id, row.sequence))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
    };
    let a = |position, sequence| (position, "a".to_string(), sequence);
    assert_eq!(positions(LogFilter::from(3)).await.len(), 2);
    assert_eq!(
        positions(LogFilter::of_aggregate("Tally", "a", 1)).await,
        vec![a(2, 2), a(4, 3)]
    );
    assert_eq!(
        positions(LogFilter::of_aggregate("Tally", "a", 0).below(4)).await,
        vec![a(0, 1), a(2, 2)]
    );
    assert_eq!(
        positions(LogFilter::of_type("Tally").starting_at(1).below(3))
            .await
            .into_iter()
            .map(|(p, _, _)| p)
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(
        positions(LogFilter::of_type("cooperative"))
            .await
            .is_empty()
    );
    let entries = store::collect_entries(db, LogFilter::of_aggregate("Tally", "c", 0))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, 3);
}

#[tokio::test]
async fn sqlite_log_filters_select_what_they_say() {
    filters_select_what_they_say(&TestLedger::sqlite().await).await;
}

#[tokio::test]
async fn postgres_log_filters_select_what_they_say() {
    filters_select_what_they_say(&TestLedger::postgres().await).await;
}
