//! What the benchmarks share: a scratch PostgreSQL database, the command-throughput driver and
//! a fast way to fill a log.

// Each benchmark binary compiles this module and uses a part of it.
#![allow(dead_code)]

pub mod load;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cqrs_es::{AggregateError, CqrsFramework, EventStore};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};
use store::testing::{Tally, metadata, record};
use store::{AppendRequest, Ledger, NewEvent};

/// How many aggregates the throughput runs spread their commands over.
pub const AGGREGATES: u64 = 10_000;

/// `BENCH_SCALE` (default 1.0): multiplies every count.
pub fn scale() -> f64 {
    std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

/// A database of its own on the server of `DATABASE_URL` (default
/// `postgres://postgres@127.0.0.1:5432/`), dropped by [`ScratchDb::drop`].
pub struct ScratchDb {
    pub url: String,
    admin: PgConnection,
    name: String,
}

impl ScratchDb {
    pub async fn create(prefix: &str) -> ScratchDb {
        let server = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/".into());
        let admin_options = PgConnectOptions::from_str(&server)
            .expect("DATABASE_URL")
            .database("postgres");
        let name = format!("{prefix}_{}_{}", std::process::id(), rand_suffix());
        let mut admin = admin_options
            .connect()
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let url = format!(
            "postgres://{}@{}:{}/{name}",
            admin_options.get_username(),
            admin_options.get_host(),
            admin_options.get_port()
        );
        ScratchDb { url, admin, name }
    }

    pub async fn synchronous_commit(&mut self) -> String {
        sqlx::query_scalar("SHOW synchronous_commit")
            .fetch_one(&mut self.admin)
            .await
            .unwrap()
    }

    /// The database's tables vacuumed and analysed, then a checkpoint: what autovacuum and
    /// the checkpointer would otherwise do after a fill, during the runs timed next.
    pub async fn settle(&mut self) {
        let mut own = PgConnectOptions::from_str(&self.url)
            .unwrap()
            .connect()
            .await
            .unwrap();
        own.execute("VACUUM (ANALYZE)").await.unwrap();
        own.close().await.unwrap();
        self.checkpoint().await;
    }

    /// Writes every dirty page out now (`CHECKPOINT`), so that the write-ahead log of one
    /// measured step is not flushed during the next.
    pub async fn checkpoint(&mut self) {
        self.admin.execute("CHECKPOINT").await.unwrap();
    }

    pub async fn drop(mut self) {
        self.admin
            .execute(format!("DROP DATABASE {} WITH (FORCE)", self.name).as_str())
            .await
            .unwrap();
        self.admin.close().await.unwrap();
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// Commands per second with `writers` tasks over `AGGREGATES` aggregates; a conflict is retried.
pub async fn throughput<ES>(
    cqrs: Arc<CqrsFramework<Tally, ES>>,
    writers: u64,
    commands: u64,
    prefix: &str,
) -> f64
where
    ES: EventStore<Tally> + 'static,
    ES::AC: Send,
{
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let (cqrs, done, prefix) = (cqrs.clone(), done.clone(), prefix.to_string());
            tokio::spawn(async move {
                let mut i = w;
                while done.fetch_add(1, Ordering::Relaxed) < commands {
                    let id = format!("{prefix}{}", (i * 7919) % AGGREGATES);
                    loop {
                        match cqrs
                            .execute_with_metadata(&id, record(1, "hỗ trợ"), metadata(i))
                            .await
                        {
                            Ok(()) => break,
                            Err(AggregateError::AggregateConflict) => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    i += writers;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    commands as f64 / started.elapsed().as_secs_f64()
}

/// Appends until the log holds `target` entries, in large multi-event appends.
pub async fn fill(ledger: &Ledger, target: u64) {
    let meta = serde_json::to_value(domain::ledger::EventMetadata::from_map(&metadata(0)).unwrap())
        .unwrap();
    let mut size = store::read_head(ledger.database()).await.unwrap().size;
    let mut aggregate = 0u64;
    while size < target {
        let n = (target - size).min(500);
        let events = (0..n)
            .map(|i| NewEvent {
                event_type: "TallyRecorded".into(),
                event_version: "1".into(),
                payload: serde_json::json!({"Recorded": {"amount": i, "note": "Hỗ trợ đào tạo, bồi dưỡng nguồn nhân lực cho hợp tác xã"}}),
            })
            .collect();
        let request = AppendRequest {
            aggregate_type: "Tally".into(),
            aggregate_id: format!("fill-{aggregate}"),
            expected_sequence: 0,
            events,
            metadata: meta.clone(),
            remember: None,
        };
        ledger.appender().append(request).await.unwrap();
        aggregate += 1;
        size += n;
    }
}

/// Adds `user` in `role` to the ledger and issues it the token `htx_bench-<user>`.
pub async fn person(
    programme: &programme::Programme,
    user: &str,
    role: domain::ledger::Role,
) -> String {
    use domain::command::Command;
    use domain::ledger::{Actor, EventMetadata, Role};
    use domain::people::{PersonAction, token_hash};
    let admin = Actor::new("os:bench", Role::Admin, None);
    let date = chrono::NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
    let metadata = EventMetadata::new(admin.clone(), date);
    let add = PersonAction::Add {
        user: user.to_string(),
        full_name: user.to_string(),
        role,
        agency: None,
    };
    programme::execute(
        &programme.people,
        user,
        Command::new(date, admin.clone(), add),
        &metadata,
    )
    .await
    .unwrap();
    let token = format!("htx_bench-{user}");
    let issue = PersonAction::IssueToken {
        token_hash: token_hash(&token),
    };
    programme::execute(
        &programme.people,
        user,
        Command::new(date, admin, issue),
        &metadata,
    )
    .await
    .unwrap();
    token
}
