//! The projector and the registry projection: live tables equal a full replay on both
//! backends; a projector stopped anywhere resumes to the same digests; time travel by
//! position, by legal date and by what the ledger knew.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use domain::cooperative::{
    Address, ContentChange, CooperativeAction as A, DissolutionMode, MemberCounts,
};
use domain::reference::seed;
use programme::Programme;
use projections::projector::{self, CrashPoint, Projector, ProjectorError};
use projections::registry::Registry;
use projections::{Digest, Filter};
use store::{Database, Ledger, SteppingClock};

use crate::support::backends::TestLedger;
use crate::support::cli::htx_ledger;
use crate::support::programme::*;

/// Eight cooperatives over 2016-2020 in four districts (one in Hoành Bồ), content changes,
/// a union, two dissolutions (one finishing in 2018), and the Hoành Bồ merger of 2020.
async fn registry_scenario(p: &Programme, clock: Option<&SteppingClock>) {
    let at = |date: NaiveDate| {
        if let Some(clock) = clock {
            clock.advance_to(Utc.from_utc_datetime(&date.and_hms_opt(2, 0, 0).unwrap()));
        }
    };
    at(day(2017, 1, 2));
    seed_units(p).await;
    let cooperatives = [
        (11, "193", day(2016, 5, 3), "HTX Nông nghiệp Hạ Long"),
        (12, "204", day(2016, 8, 9), "HTX Chè Hoành Bồ"),
        (13, "205", day(2017, 3, 1), "HTX Rau sạch Đông Triều"),
        (14, "206", day(2017, 6, 12), "HTX Thuỷ sản Quảng Yên"),
        (
            15,
            "205",
            day(2017, 9, 20),
            "HTX Dịch vụ môi trường Mạo Khê",
        ),
        (16, "193", day(2018, 2, 5), "HTX Quản lý chợ Hà Lầm"),
        (17, "204", day(2019, 4, 1), "HTX Dược liệu Đồng Lâm"),
        (18, "206", day(2020, 3, 3), "HTX Trường học Phong Cốc"),
    ];
    for (n, unit, date, name) in cooperatives {
        at(date);
        register(p, &code(n), date, unit, 9, name).await;
    }
    let rec = |n: u32, date: NaiveDate, action: A| async move {
        at(date);
        accept(
            &p.cooperatives,
            code(n).as_str(),
            by(&clerk(), date, action),
        )
        .await;
    };
    rec(
        13,
        day(2017, 11, 2),
        A::ChangeRegisteredContent {
            change: ContentChange::Address(Address::new("Khu 3, phường Mạo Khê", "205")),
            decided_on: day(2017, 10, 25),
        },
    )
    .await;
    rec(
        14,
        day(2018, 1, 15),
        A::RecordMembership {
            members: MemberCounts {
                official: 15,
                associate: 3,
                member_cooperatives: 0,
            },
        },
    )
    .await;
    // Dissolutions: 15 on its dossier in 2017, 11 by six months elapsed in 2018.
    rec(
        15,
        day(2017, 11, 10),
        A::ResolveDissolution {
            resolution: "Nghị quyết giải thể".into(),
        },
    )
    .await;
    rec(15, day(2017, 11, 15), A::PublishDissolution).await;
    rec(
        15,
        day(2017, 12, 20),
        A::CompleteDissolution {
            mode: DissolutionMode::Dossier,
        },
    )
    .await;
    rec(
        11,
        day(2017, 12, 1),
        A::ResolveDissolution {
            resolution: "Nghị quyết giải thể".into(),
        },
    )
    .await;
    rec(11, day(2017, 12, 5), A::PublishDissolution).await;
    rec(
        11,
        day(2018, 6, 6),
        A::CompleteDissolution {
            mode: DissolutionMode::SixMonthsElapsed,
        },
    )
    .await;
    at(day(2020, 1, 1));
    for (id, command) in seed::hoanh_bo_merger_2020(&clerk()) {
        accept(&p.units, &id, command).await;
    }
}

/// The digests of a full replay of the log.
async fn replayed_digests(db: &Database) -> Vec<Digest> {
    projector::replay(db, Filter::All, |_| {})
        .await
        .unwrap()
        .digests()
        .unwrap()
}

async fn live_digests(db: &Database) -> Vec<Digest> {
    let mut projector = Projector::load(db).await.unwrap();
    projector.catch_up(|_| {}).await.unwrap();
    projector::stored_digests(db).await.unwrap().1
}

fn registry_of(set: &projections::ProjectionSet) -> &Registry {
    set.get::<Registry>().expect("the registry projection")
}

#[tokio::test]
async fn live_projections_equal_a_full_replay_on_both_backends_and_across_them() {
    let mut all = Vec::new();
    for test in [TestLedger::sqlite().await, TestLedger::postgres().await] {
        let programme = Programme::new(test.ledger.clone());
        registry_scenario(&programme, None).await;
        let db = test.ledger.database();
        let live = live_digests(db).await;
        let rebuilt = projector::rebuild(db, |_| {})
            .await
            .unwrap()
            .digests()
            .unwrap();
        assert_eq!(live, rebuilt, "live and rebuilt differ");
        // What the rebuild wrote (COPY on PostgreSQL) reads back to the same digests.
        let (position, stored) = projector::stored_digests(db).await.unwrap();
        assert_eq!(position, store::read_head(db).await.unwrap().size);
        assert_eq!(stored, rebuilt, "the rebuilt tables read back differently");
        let in_memory = projector::replay(db, Filter::All, |_| {}).await.unwrap();
        assert_eq!(in_memory.digests().unwrap(), live);

        let registry = registry_of(&in_memory);
        let row = |n: u32| {
            registry
                .cooperatives
                .get(&code(n).as_str().to_string())
                .unwrap()
        };
        assert_eq!(registry.cooperatives.len(), 8);
        assert_eq!(row(15).status, "dissolved");
        assert_eq!(row(11).status, "dissolved");
        assert_eq!(row(11).status_since, Some(day(2018, 6, 6)));
        assert_eq!(row(13).address, "Khu 3, phường Mạo Khê");
        assert_eq!(row(14).members_official, 15);
        // Hoành Bồ's cooperatives keep the unit they registered in and now belong to Hạ Long.
        for n in [12, 17] {
            assert_eq!(
                (row(n).address_unit.as_str(), row(n).current_unit.as_str()),
                ("204", "193")
            );
        }
        assert_eq!(row(16).current_unit, "193");
        assert_eq!(
            registry
                .units
                .get(&"204".to_string())
                .unwrap()
                .merged_into
                .as_deref(),
            Some("193")
        );
        // Every figure traces to entries: the row's positions are entries of that cooperative.
        assert!(row(11).positions.len() >= 4, "{:?}", row(11).positions);
        all.push(live);
    }
    assert_eq!(all[0], all[1], "SQLite and PostgreSQL projections differ");
}

async fn crash_and_resume(test: &TestLedger) {
    let programme = Programme::new(test.ledger.clone());
    registry_scenario(&programme, None).await;
    let db = test.ledger.database();
    let clean = projector::replay(db, Filter::All, |_| {})
        .await
        .unwrap()
        .digests()
        .unwrap();
    let head = store::read_head(db).await.unwrap().size;
    let mut committed = 0;
    for (limit, crash) in [
        (1, CrashPoint::BeforeRows),
        (5, CrashPoint::BetweenRowsAndCheckpoint),
        (9, CrashPoint::BeforeCommit),
        (3, CrashPoint::BetweenRowsAndCheckpoint),
    ] {
        let mut projector = Projector::load(db).await.unwrap();
        assert_eq!(
            projector.position(),
            committed,
            "resumed from the last commit"
        );
        let stopped = projector.catch_up_with(limit, Some(crash), |_| {}).await;
        assert!(
            matches!(stopped, Err(ProjectorError::Crashed(point)) if point == crash),
            "{stopped:?}"
        );
        drop(projector);
        // Between crashes, a clean partial run commits a little more.
        let mut projector = Projector::load(db).await.unwrap();
        assert_eq!(projector.position(), committed, "a crash commits nothing");
        projector.catch_up_with(4, None, |_| {}).await.unwrap();
        committed = projector.position();
    }
    assert!(committed < head);
    let mut projector = Projector::load(db).await.unwrap();
    projector.catch_up(|_| {}).await.unwrap();
    assert_eq!(projector.position(), head);
    let (position, stored) = projector::stored_digests(db).await.unwrap();
    assert_eq!(position, head);
    assert_eq!(
        stored, clean,
        "resumed projections differ from a clean rebuild"
    );
}

#[tokio::test]
async fn a_projector_stopped_anywhere_resumes_to_the_digests_of_a_clean_rebuild_on_postgres() {
    crash_and_resume(&TestLedger::postgres().await).await;
}

#[tokio::test]
async fn a_projector_stopped_anywhere_resumes_to_the_digests_of_a_clean_rebuild_on_sqlite() {
    crash_and_resume(&TestLedger::sqlite().await).await;
}

/// A load reads its checkpoint and its rows as of one moment. Here a rebuild commits while the
/// load waits for the tables the rebuild holds: reading the checkpoint first and the rows
/// after gave the rebuild's rows with the checkpoint before it, and folding on from that
/// checkpoint counted the entries in between twice.
#[tokio::test]
async fn a_load_while_a_rebuild_commits_reads_the_checkpoint_and_rows_of_one_moment() {
    let test = TestLedger::postgres().await;
    let programme = Programme::new(test.ledger.clone());
    registry_scenario(&programme, None).await;
    let db = test.ledger.database();
    let head = store::read_head(db).await.unwrap().size;
    // The live projections stop half-way.
    let mut projector = Projector::load(db).await.unwrap();
    projector
        .catch_up_with(head / 2, None, |_| {})
        .await
        .unwrap();
    assert_eq!(projector.position(), head / 2);
    drop(projector);
    // A rebuild to the head, its transaction held open once every table is replaced.
    let rebuilt = projector::replay(db, Filter::All, |_| {}).await.unwrap();
    let mut rebuild = store::WriteTx::begin(db).await.unwrap();
    for table in rebuilt.tables() {
        let rows = table.all_cells().unwrap();
        rebuild
            .replace_rows(table.shape(), rows.into_iter())
            .await
            .unwrap();
    }
    rebuild
        .set_projection_checkpoint(projector::LIVE, head)
        .await
        .unwrap();
    let loading = tokio::spawn({
        let db = db.clone();
        async move { Projector::load(&db).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !loading.is_finished(),
        "the load waits for the tables the rebuild holds"
    );
    rebuild.commit().await.unwrap();
    let mut loaded = loading.await.unwrap().unwrap();
    assert_eq!(
        loaded.position(),
        head,
        "the checkpoint of the rows it read"
    );
    loaded.catch_up(|_| {}).await.unwrap();
    assert_eq!(loaded.set().digests().unwrap(), rebuilt.digests().unwrap());
}

#[tokio::test]
async fn the_registry_as_of_31_12_2017_by_position_and_by_date() {
    let test = TestLedger::sqlite().await;
    let programme = Programme::new(test.ledger.clone());
    registry_scenario(&programme, None).await;
    let db = test.ledger.database();
    let end_of_2017 = projector::replay(db, Filter::AsOfDate(day(2017, 12, 31)), |_| {})
        .await
        .unwrap();
    let registry = registry_of(&end_of_2017);
    let status = |n: u32| {
        registry
            .cooperatives
            .get(&code(n).as_str().to_string())
            .map(|r| r.status.to_string())
    };
    assert_eq!(registry.cooperatives.len(), 5, "registered by 31/12/2017");
    assert_eq!(status(15).as_deref(), Some("dissolved"));
    assert_eq!(
        status(11).as_deref(),
        Some("dissolving"),
        "dissolved only in 2018"
    );
    assert_eq!(status(16), None, "registered in 2018");
    assert_eq!(
        registry
            .cooperatives
            .get(&code(12).as_str().to_string())
            .unwrap()
            .current_unit,
        "204",
        "before the merger"
    );
    // By position: the state after the first two registrations.
    let units = 15; // the province and its 14 units
    let early = projector::replay(db, Filter::AsOfPosition(units + 1), |_| {})
        .await
        .unwrap();
    assert_eq!(registry_of(&early).cooperatives.len(), 2);
    // Live tables are untouched by time travel.
    let live = live_digests(db).await;
    assert_ne!(live, end_of_2017.digests().unwrap());
    assert_eq!(
        live,
        projector::replay(db, Filter::All, |_| {})
            .await
            .unwrap()
            .digests()
            .unwrap()
    );
}

#[tokio::test]
async fn a_back_dated_change_moves_the_as_of_date_state_but_not_what_was_known_then() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("l.sqlite3").display());
    let clock = Arc::new(SteppingClock::new(
        Utc.with_ymd_and_hms(2017, 1, 1, 0, 0, 0).unwrap(),
        chrono::Duration::seconds(1),
    ));
    let ledger = Ledger::open(&url, clock.clone()).await.unwrap();
    let p = Programme::new(ledger.clone());
    registry_scenario(&p, Some(&clock)).await;
    // Recorded on 10/3/2020, effective 15/9/2019: a representative change filed late.
    clock.advance_to(Utc.with_ymd_and_hms(2020, 3, 10, 2, 0, 0).unwrap());
    let change = A::ChangeRegisteredContent {
        change: ContentChange::Representative(domain::cooperative::Representative::new(
            "Trần Thị Bình",
            "Giám đốc",
        )),
        decided_on: day(2019, 9, 1),
    };
    accept(
        &p.cooperatives,
        code(17).as_str(),
        by(&clerk(), day(2019, 9, 15), change),
    )
    .await;
    let db = ledger.database();
    let representative = |set: &projections::ProjectionSet| {
        registry_of(set)
            .cooperatives
            .get(&code(17).as_str().to_string())
            .unwrap()
            .representative
            .clone()
    };
    let as_of = projector::replay(db, Filter::AsOfDate(day(2019, 12, 31)), |_| {})
        .await
        .unwrap();
    let known = projector::replay(db, Filter::KnownOn(day(2019, 12, 31)), |_| {})
        .await
        .unwrap();
    assert_eq!(
        representative(&as_of),
        "Trần Thị Bình",
        "in force since 15/9/2019"
    );
    assert_eq!(
        representative(&known),
        "Nguyễn Văn An",
        "the ledger did not know it on 31/12/2019"
    );
    // Once recorded, both agree.
    let later = projector::replay(db, Filter::KnownOn(day(2020, 3, 10)), |_| {})
        .await
        .unwrap();
    assert_eq!(representative(&later), "Trần Thị Bình");
}

#[tokio::test]
async fn the_projector_follows_the_log_as_it_grows() {
    let test = TestLedger::postgres().await;
    let programme = Programme::new(test.ledger.clone());
    let db = test.ledger.database().clone();
    // The service's follower (the same one `htx-ledger serve` runs).
    let head = test.ledger.appender().head();
    let follower = api::http::reads::LiveProjections::start(&db, test.ledger.appender(), |_| {})
        .await
        .unwrap()
        .follow(head, Duration::from_secs(30));
    registry_scenario(&programme, None).await;
    let head = store::read_head(&db).await.unwrap().size;
    let mut position = 0;
    for _ in 0..200 {
        position = store::projection_checkpoint(&db, projector::LIVE)
            .await
            .unwrap();
        if position == head {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    follower.abort();
    assert_eq!(
        position, head,
        "the projector did not catch up (poll interval is 30 s)"
    );
    assert_eq!(
        projector::stored_digests(&db).await.unwrap().1,
        projector::replay(&db, Filter::All, |_| {})
            .await
            .unwrap()
            .digests()
            .unwrap()
    );
}

#[tokio::test]
async fn entries_folded_in_memory_reach_the_tables_in_the_database_at_the_commit() {
    let test = TestLedger::postgres().await;
    let programme = Programme::new(test.ledger.clone());
    registry_scenario(&programme, None).await;
    let db = test.ledger.database();
    let head = store::read_head(db).await.unwrap().size;
    let mut projector = Projector::load(db).await.unwrap();
    assert_eq!(projector.fold_new(head - 3).await.unwrap(), head - 3);
    assert_eq!(
        projector.position(),
        head - 3,
        "readers see the entries at once"
    );
    assert_eq!(projector.committed(), 0);
    assert_eq!(
        store::projection_checkpoint(db, projector::LIVE)
            .await
            .unwrap(),
        0,
        "nothing is written before the commit"
    );
    let as_of = projector::replay(db, Filter::AsOfPosition(head - 4), |_| {})
        .await
        .unwrap()
        .digests()
        .unwrap();
    assert_eq!(projector.set().digests().unwrap(), as_of);
    projector.fold_new(u64::MAX).await.unwrap();
    projector.commit().await.unwrap();
    assert_eq!(projector.committed(), head);
    let (position, stored) = projector::stored_digests(db).await.unwrap();
    assert_eq!(position, head);
    assert_eq!(stored, replayed_digests(db).await);
}

#[tokio::test]
async fn a_write_of_the_live_tables_that_did_not_finish_refuses_the_next_until_reloaded() {
    let test = TestLedger::postgres().await;
    let programme = Programme::new(test.ledger.clone());
    registry_scenario(&programme, None).await;
    let db = test.ledger.database();
    let mut projector = Projector::load(db).await.unwrap();
    let stopped = projector
        .catch_up_with(9, Some(CrashPoint::BeforeCommit), |_| {})
        .await;
    assert!(
        matches!(stopped, Err(ProjectorError::Crashed(_))),
        "{stopped:?}"
    );
    // The stopped write took the changes of those 9 entries; a later commit would write the
    // checkpoint without their rows.
    projector.fold_new(4).await.unwrap();
    let refused = projector.commit().await;
    assert!(
        matches!(refused, Err(ProjectorError::Interrupted)),
        "{refused:?}"
    );
    assert_eq!(
        store::projection_checkpoint(db, projector::LIVE)
            .await
            .unwrap(),
        0
    );
    assert_eq!(live_digests(db).await, replayed_digests(db).await);
}

#[tokio::test]
async fn replay_and_digest_through_the_binary_agree_and_history_goes_to_its_own_file() {
    let test = TestLedger::sqlite().await;
    let programme = Programme::new(test.ledger.clone());
    registry_scenario(&programme, None).await;
    let digest_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("sha256"))
            .map(str::to_string)
            .collect()
    };
    let (code, live) = htx_ledger(&test.url, None, &["projections", "digest"]);
    assert_eq!(code, 0, "{live}");
    let (code, replayed) = htx_ledger(&test.url, None, &["replay"]);
    assert_eq!(code, 0, "{replayed}");
    assert!(replayed.contains("live projections rebuilt"), "{replayed}");
    assert!(!digest_lines(&live).is_empty());
    assert_eq!(digest_lines(&live), digest_lines(&replayed));

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("2017.sqlite3");
    let (code, text) = htx_ledger(
        &test.url,
        None,
        &[
            "replay",
            "--as-of-date",
            "2017-12-31",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("untouched"), "{text}");
    let historical = Database::open(&format!("sqlite://{}", out.display()))
        .await
        .unwrap();
    let rows = store::read_rows(
        &historical,
        &<projections::registry::RegistryRow as projections::Row>::SHAPE,
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 5, "the registry on 31/12/2017");
    // The live tables still hold today's registry.
    let (code, after) = htx_ledger(&test.url, None, &["projections", "digest"]);
    assert_eq!(code, 0);
    assert_eq!(digest_lines(&after), digest_lines(&live));
    // Two filters at once are refused, writing nothing.
    let (code, text) = htx_ledger(
        &test.url,
        None,
        &[
            "replay",
            "--as-of-date",
            "2017-12-31",
            "--known-on",
            "2017-12-31",
        ],
    );
    assert_eq!(code, 2, "{text}");
}
