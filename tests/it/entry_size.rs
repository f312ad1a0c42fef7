//! Every entry fits the uint16 length prefix of a C2SP tlog-tiles entry bundle: an append
//! whose entry would be 65,536 bytes or more is refused, writing nothing of it, while the
//! requests beside it in the same batch are written; over HTTP it is a 413 saying why.

use domain::ledger::Role;
use programme::Programme;
use store::testing::metadata;
use store::{AppendRequest, NewEvent, StoreError};

use crate::support::backends::TestLedger;
use crate::support::programme::{code, head_size, registration, seed_units};
use crate::support::server::{TestServer, body_of, problem};

fn request(id: &str, note_bytes: usize) -> AppendRequest {
    AppendRequest {
        aggregate_type: "Tally".into(),
        aggregate_id: id.into(),
        expected_sequence: 0,
        events: vec![NewEvent {
            event_type: "TallyRecorded".into(),
            event_version: "1".into(),
            payload: serde_json::json!({"Recorded": {"amount": 1, "note": "x".repeat(note_bytes)}}),
        }],
        metadata: serde_json::to_value(
            domain::ledger::EventMetadata::from_map(&metadata(1)).unwrap(),
        )
        .unwrap(),
        remember: None,
    }
}

async fn an_entry_too_large_for_a_tile_is_refused_alone(test: TestLedger) {
    let ledger = &test.ledger;
    let before = head_size(ledger).await;
    let appender = ledger.appender();
    // Sent together, so that the appender takes them in one batch.
    let (big, small, limit) = tokio::join!(
        appender.append(request("lon", 70_000)),
        appender.append(request("nho", 10)),
        appender.append(request("vua", 64_000)),
    );
    match big {
        Err(StoreError::EntryTooLarge {
            bytes,
            ref event_type,
            ..
        }) => {
            assert!(bytes > 70_000, "{bytes}");
            assert_eq!(event_type, "TallyRecorded");
            let text = big.unwrap_err().to_string();
            assert!(text.contains("65,535") && text.contains("65.535"), "{text}");
        }
        other => panic!("a 70 kB entry was not refused: {other:?}"),
    }
    let small = small.expect("the small one is written");
    let limit = limit.expect("an entry under 65,536 bytes is written");
    assert_eq!(head_size(ledger).await, before + 2);
    assert_ne!(small[0].position, limit[0].position);
    let (code, output) = crate::support::cli::htx_ledger(&test.url, None, &["verify"]);
    assert_eq!(code, 0, "{output}");
}

#[tokio::test]
async fn sqlite_refuses_an_entry_too_large_for_a_tile() {
    an_entry_too_large_for_a_tile_is_refused_alone(TestLedger::sqlite().await).await;
}

#[tokio::test]
async fn postgres_refuses_an_entry_too_large_for_a_tile() {
    an_entry_too_large_for_a_tile_is_refused_alone(TestLedger::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_an_entry_too_large_for_a_tile_is_a_413_and_nothing_is_written() {
    let server = TestServer::postgres().await;
    seed_units(&Programme::new(server.test.ledger.clone())).await;
    let path = format!("/api/v1/cooperatives/{}/register", code(3).as_str());
    let mut body = body_of(&registration(&code(3), "205", 7, "HTX Thử"), "2018-01-05");
    body["legal_basis"] = serde_json::json!(["Quyết định ".repeat(7_000)]);
    let before = head_size(&server.test.ledger).await;
    let refused = problem(server.post(Role::Clerk, &path, body).await, 413).await;
    assert_eq!(
        refused["type"], "urn:htx-ledger:problem:entry-too-large",
        "{refused}"
    );
    assert!(
        refused["detail"].as_str().unwrap().contains("65,535"),
        "{refused}"
    );
    assert_eq!(head_size(&server.test.ledger).await, before);
    server.stop().await;
}
