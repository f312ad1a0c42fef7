//! "The registry never overwrites silently": a ledger written before the command side refused
//! a reused cooperative code holds two `CooperativeRegistered` entries for one code under
//! different aggregate ids. Both registrations stay visible (the first in `registry`, the
//! second as a REG-01 finding naming both positions), live and on replay, on both backends;
//! `htx-ledger verify` says the chain is intact and warns about the code; so does the service.

use chrono::NaiveDate;
use cqrs_es::DomainEvent as _;
use domain::code::CooperativeCode;
use domain::cooperative::{
    Address, CooperativeAction, CooperativeEvent, CooperativeKind, MemberCounts, Origin,
    RegistrationContent, Representative,
};
use domain::ledger::{EventMetadata, Role};
use programme::Programme;
use projections::Filter;
use projections::projector::{self, Projector};
use projections::registry::Registry;
use store::{AppendRequest, NewEvent};

use crate::support::backends::TestLedger;
use crate::support::cli::htx_ledger;
use crate::support::programme::*;
use crate::support::server::TestServer;

/// Appends `event` to the cooperative aggregate `id` straight through the appender, past the
/// aggregate and its rules: what a defect of the command side could have written.
async fn append_past_the_commands(
    test: &TestLedger,
    id: &str,
    expected_sequence: u64,
    date: NaiveDate,
    event: CooperativeEvent,
) -> u64 {
    let metadata = EventMetadata::new(clerk(), date).with_legal_basis(PLAN);
    let request = AppendRequest {
        aggregate_type: "cooperative".into(),
        aggregate_id: id.into(),
        expected_sequence,
        events: vec![NewEvent {
            event_type: event.event_type(),
            event_version: event.event_version(),
            payload: serde_json::to_value(&event).unwrap(),
        }],
        metadata: serde_json::to_value(&metadata).unwrap(),
        remember: None,
    };
    let appended = test.ledger.appender().append(request).await.unwrap();
    appended[0].position
}

fn registered(code: &CooperativeCode, name: &str, date: NaiveDate) -> CooperativeEvent {
    CooperativeEvent::CooperativeRegistered {
        code: code.clone(),
        kind: CooperativeKind::Cooperative,
        content: RegistrationContent {
            name: name.into(),
            address: Address::new("Thôn Tây", "206"),
            representative: Representative::new("Trần Thị Bình", "Giám đốc"),
            charter_capital: d(300_000_000),
            sector: None,
        },
        members: MemberCounts {
            official: 8,
            associate: 0,
            member_cooperatives: 0,
        },
        certificate_no: format!("GCN-{}", code.as_str()),
        legacy_reg_no: None,
        origin: Origin::New,
        governing_law: "Luật HTX 2012".into(),
        effective_date: date,
    }
}

fn membership(official: u32, date: NaiveDate) -> CooperativeEvent {
    CooperativeEvent::MembershipRecorded {
        members: MemberCounts {
            official,
            associate: 0,
            member_cooperatives: 0,
        },
        effective_date: date,
    }
}

/// Where the scenario's entries landed.
struct Written {
    /// `code(1)` registered by its own aggregate, through the commands.
    first: u64,
    /// `code(1)` registered again by aggregate `code(2)`, past the commands.
    duplicate: u64,
    /// A membership of aggregate `code(1)`, through the commands.
    first_later: u64,
    /// A membership of aggregate `code(2)`, past the commands.
    duplicate_later: u64,
    /// `code(4)` registered first by aggregate `code(3)`, past the commands, and a later event.
    foreign: (u64, u64),
}

async fn duplicate_scenario(test: &TestLedger) -> Written {
    let programme = Programme::new(test.ledger.clone());
    seed_units(&programme).await;
    register(
        &programme,
        &code(1),
        day(2017, 3, 1),
        "205",
        9,
        "HTX Rau sạch Đông Triều",
    )
    .await;
    let first = head_size(&test.ledger).await - 1;
    let duplicate = append_past_the_commands(
        test,
        code(2).as_str(),
        0,
        day(2017, 5, 2),
        registered(&code(1), "HTX Thuỷ sản trùng mã", day(2017, 5, 2)),
    )
    .await;
    let record = CooperativeAction::RecordMembership {
        members: MemberCounts {
            official: 15,
            associate: 2,
            member_cooperatives: 0,
        },
    };
    accept(
        &programme.cooperatives,
        code(1).as_str(),
        by(&clerk(), day(2017, 6, 1), record),
    )
    .await;
    let first_later = head_size(&test.ledger).await - 1;
    let duplicate_later = append_past_the_commands(
        test,
        code(2).as_str(),
        1,
        day(2017, 7, 1),
        membership(40, day(2017, 7, 1)),
    )
    .await;
    let foreign_registration = append_past_the_commands(
        test,
        code(3).as_str(),
        0,
        day(2018, 2, 1),
        registered(&code(4), "HTX Dược liệu Đồng Lâm", day(2018, 2, 1)),
    )
    .await;
    let foreign_later = append_past_the_commands(
        test,
        code(3).as_str(),
        1,
        day(2018, 4, 1),
        membership(12, day(2018, 4, 1)),
    )
    .await;
    Written {
        first,
        duplicate,
        first_later,
        duplicate_later,
        foreign: (foreign_registration, foreign_later),
    }
}

/// Both registrations are visible in `registry`: the first keeps its row, the duplicate is a
/// finding with both positions and its own entries.
fn assert_both_registrations_visible(registry: &Registry, w: &Written, what: &str) {
    let first_code = code(1).as_str().to_string();
    let row = registry
        .cooperatives
        .get(&first_code)
        .unwrap_or_else(|| panic!("{what}: the first registration's row"));
    assert_eq!(row.name, "HTX Rau sạch Đông Triều", "{what}");
    assert_eq!(row.address_unit, "205", "{what}");
    assert_eq!(row.members_official, 15, "{what}");
    assert_eq!(row.positions, vec![w.first, w.first_later], "{what}");
    assert_eq!(registry.duplicates.len(), 1, "{what}");
    let finding = registry
        .duplicates
        .get(&(first_code.clone(), w.duplicate))
        .unwrap_or_else(|| panic!("{what}: the duplicate's finding"));
    assert_eq!(finding.rule, "REG-01", "{what}");
    assert_eq!(
        (finding.first_aggregate_id.as_str(), finding.first_position),
        (first_code.as_str(), w.first),
        "{what}"
    );
    assert_eq!(
        (
            finding.duplicate_aggregate_id.as_str(),
            finding.duplicate_position
        ),
        (code(2).as_str(), w.duplicate),
        "{what}"
    );
    assert_eq!(finding.name, "HTX Thuỷ sản trùng mã", "{what}");
    assert_eq!(finding.effective_date, day(2017, 5, 2), "{what}");
    assert_eq!(
        finding.positions,
        vec![w.duplicate, w.duplicate_later],
        "{what}"
    );
    // Aggregate code(2) has no row of its own under its id: it registered code(1).
    assert!(
        registry
            .cooperatives
            .get(&code(2).as_str().to_string())
            .is_none(),
        "{what}"
    );
    // A first registration under a foreign aggregate id: keyed by its code, later events
    // included.
    let foreign = registry
        .cooperatives
        .get(&code(4).as_str().to_string())
        .unwrap_or_else(|| panic!("{what}: code(4)'s row"));
    assert_eq!(foreign.positions, vec![w.foreign.0, w.foreign.1], "{what}");
    assert_eq!(foreign.members_official, 12, "{what}");
}

async fn projections_keep_both_registrations(test: &TestLedger) -> Vec<projections::Digest> {
    let w = duplicate_scenario(test).await;
    let db = test.ledger.database();
    let head = store::read_head(db).await.unwrap().size;

    // Live: the projector in small batches, each from the stored tables and the shared
    // state refolded from the log.
    loop {
        let mut projector = Projector::load(db).await.unwrap();
        if projector.position() == head {
            assert_both_registrations_visible(
                projector.set().get::<Registry>().unwrap(),
                &w,
                "live, as loaded from the stored tables",
            );
            break;
        }
        projector.catch_up_with(2, None, |_| {}).await.unwrap();
    }
    let (position, live) = projector::stored_digests(db).await.unwrap();
    assert_eq!(position, head);

    // Replay: the same digests, the same rows.
    let replayed = projector::replay(db, Filter::All, |_| {}).await.unwrap();
    assert_both_registrations_visible(replayed.get::<Registry>().unwrap(), &w, "replayed");
    assert_eq!(
        replayed.digests().unwrap(),
        live,
        "live and replayed differ"
    );
    let rebuilt = projector::rebuild(db, |_| {}).await.unwrap();
    assert_eq!(rebuilt.digests().unwrap(), live, "live and rebuilt differ");
    assert_eq!(projector::stored_digests(db).await.unwrap().1, live);
    assert!(
        live.iter()
            .any(|d| d.table == "registry_duplicate_registrations" && d.rows == 1),
        "{live:?}"
    );

    // Before the duplicate was written, there was nothing to report.
    let before = projector::replay(db, Filter::AsOfPosition(w.duplicate - 1), |_| {})
        .await
        .unwrap();
    assert!(before.get::<Registry>().unwrap().duplicates.is_empty());
    live
}

#[tokio::test]
async fn a_duplicate_registration_is_kept_beside_the_first_live_and_on_replay_on_both_backends() {
    let sqlite = projections_keep_both_registrations(&TestLedger::sqlite().await).await;
    let postgres = projections_keep_both_registrations(&TestLedger::postgres().await).await;
    assert_eq!(sqlite, postgres, "SQLite and PostgreSQL projections differ");
}

#[tokio::test]
async fn verify_reports_a_duplicate_registration_as_a_data_warning_beside_an_intact_chain() {
    let test = TestLedger::sqlite().await;
    let w = duplicate_scenario(&test).await;
    let (status, out) = htx_ledger(&test.url, None, &["verify"]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("intact:"), "{out}");
    let warnings: Vec<&str> = out.lines().filter(|l| l.contains("WARNING")).collect();
    assert_eq!(warnings.len(), 1, "one warning, for the one code: {out}");
    let warning = warnings[0];
    for expected in [
        "REG-01",
        code(1).as_str(),
        &format!("{} (cooperative/{})", w.first, code(1).as_str()),
        &format!("{} (cooperative/{})", w.duplicate, code(2).as_str()),
        "mã số HTX",
        "cooperative code",
        "không dùng lại",
        "never reused",
        // Reused on 02/5/2017: judged under the 2012 Law and its decree.
        domain::rules::RuleCode::Reg01.legal_basis_on(day(2017, 5, 2)),
        "NĐ 193/2013/NĐ-CP",
    ] {
        assert!(
            warning.contains(expected),
            "{expected:?} missing: {warning}"
        );
    }
    // A first registration under another aggregate id is not a duplicate.
    assert!(!out.contains(code(4).as_str()), "{out}");

    // The service's verification carries the same warning.
    let server = TestServer::start(test).await;
    let verified: serde_json::Value = server
        .get(Role::Auditor, "/api/v1/ledger/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    let warnings = verified["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{verified}");
    assert_eq!(warnings[0]["kind"], "duplicate-registration");
    assert_eq!(warnings[0]["rule"], "REG-01");
    assert_eq!(warnings[0]["code"], code(1).as_str());
    assert_eq!(
        warnings[0]["positions"],
        serde_json::json!([w.first, w.duplicate])
    );
    assert_eq!(
        warnings[0]["aggregate_ids"],
        serde_json::json!([code(1).as_str(), code(2).as_str()])
    );
    server.stop().await;
}

/// `verify --since` reads only the entries after the trusted checkpoint, but still finds a
/// code registered below it and again after it.
#[tokio::test]
async fn verify_since_a_checkpoint_finds_a_code_reused_across_it() {
    let test = TestLedger::sqlite().await;
    let programme = Programme::new(test.ledger.clone());
    seed_units(&programme).await;
    register(&programme, &code(1), day(2017, 3, 1), "205", 9, "HTX Một").await;
    let first = head_size(&test.ledger).await - 1;
    let keys = tempfile::tempdir().unwrap();
    crate::support::keys::write_key(keys.path(), 1);
    let (status, out) = htx_ledger(&test.url, Some(keys.path()), &["checkpoint"]);
    assert_eq!(status, 0, "{out}");
    let trusted = store::checkpoint::latest(test.ledger.database())
        .await
        .unwrap()
        .expect("a checkpoint")
        .note;
    let file = keys.path().join("trusted.checkpoint");
    std::fs::write(&file, trusted).unwrap();
    let duplicate = append_past_the_commands(
        &test,
        code(2).as_str(),
        0,
        day(2017, 5, 2),
        registered(&code(1), "HTX Hai", day(2017, 5, 2)),
    )
    .await;
    let (status, out) = htx_ledger(
        &test.url,
        Some(keys.path()),
        &["verify", "--since", file.to_str().unwrap()],
    );
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("checked from the trusted checkpoint"), "{out}");
    let warning = out
        .lines()
        .find(|l| l.contains("WARNING"))
        .unwrap_or_else(|| panic!("a warning: {out}"));
    for expected in [
        format!("{first} (cooperative/{})", code(1).as_str()),
        format!("{duplicate} (cooperative/{})", code(2).as_str()),
    ] {
        assert!(
            warning.contains(&expected),
            "{expected:?} missing: {warning}"
        );
    }
}
