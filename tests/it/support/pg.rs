//! PostgreSQL for tests: the server at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/`), or, where none answers but PostgreSQL's binaries
//! are installed, a throwaway cluster in a temporary folder. Each test gets a database of its
//! own, dropped when the test ends. Never skipped: with no server and no binaries, tests fail
//! saying so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};
use tokio::sync::OnceCell;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/";

static SERVER: OnceCell<PgConnectOptions> = OnceCell::const_new();

/// A database of this test's own; dropped (with FORCE) when this value is dropped.
pub struct TestDb {
    pub url: String,
    name: String,
    admin: PgConnectOptions,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let admin = SERVER.get_or_init(server).await.clone();
        let name = format!("htx_it_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin.connect().await.expect("connect to the test server");
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        conn.close().await.ok();
        let url = url_of(&admin, &name);
        TestDb { url, name, admin }
    }

    /// A connection as the database's owner (not the application role), for tampering.
    pub async fn owner(&self) -> PgConnection {
        self.admin
            .clone()
            .database(&self.name)
            .connect()
            .await
            .expect("connect as owner")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs outside async code: use a runtime of its own on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let mut conn = admin.connect().await?;
                conn.execute(sql.as_str()).await?;
                conn.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let (false, Ok(Err(error))) = (std::thread::panicking(), dropped) {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

fn url_of(options: &PgConnectOptions, database: &str) -> String {
    let host = options.get_host();
    let user = options.get_username();
    if host.starts_with('/') {
        format!(
            "postgres://{user}@localhost:{}/{database}?host={host}",
            options.get_port()
        )
    } else {
        format!("postgres://{user}@{host}:{}/{database}", options.get_port())
    }
}

/// Finds or starts a server, and prepares the cluster-wide application role once.
async fn server() -> PgConnectOptions {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let configured = PgConnectOptions::from_str(&url)
        .unwrap_or_else(|e| panic!("DATABASE_URL {url:?} is not a PostgreSQL URL: {e}"))
        .database("postgres");
    let admin = match try_connect(&configured).await {
        Ok(()) => configured,
        Err(error) => match throwaway_cluster() {
            Ok(options) => options,
            Err(why) => panic!(
                "no PostgreSQL for the tests: {url} did not answer ({error}), and a throwaway \
                 cluster could not be started: {why}. Start PostgreSQL or set DATABASE_URL."
            ),
        },
    };
    let mut conn = admin.connect().await.expect("connect to the test server");
    conn.execute(
        "DO $$ BEGIN CREATE ROLE htx_ledger_app NOLOGIN; \
         EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    )
    .await
    .expect("create the application role");
    conn.close().await.ok();
    admin
}

async fn try_connect(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let conn = tokio::time::timeout(Duration::from_secs(5), options.connect())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    conn.close().await
}

/// Starts a cluster in a temporary folder with initdb and pg_ctl. It is stopped and removed by
/// a watchdog when the test process exits.
fn throwaway_cluster() -> Result<PgConnectOptions, String> {
    let bin = postgres_bin_dir().ok_or("initdb and pg_ctl were not found")?;
    let dir = std::env::temp_dir().join(format!("htx-ledger-pg-{}", std::process::id()));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let run = |program: &Path, args: &[&str]| -> Result<(), String> {
        let mut command = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        // The server outlives pg_ctl and would hold on to captured pipes: log to a file instead.
        let output = command
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if output.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({output}); see {}",
                program.display(),
                dir.display()
            ))
        }
    };
    if as_root {
        Command::new("chown")
            .args(["-R", "postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| e.to_string())?;
    }
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    let data_str = data.to_string_lossy().to_string();
    let dir_str = dir.to_string_lossy().to_string();
    run(
        &bin.join("initdb"),
        &[
            "-D",
            &data_str,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
    )?;
    let options = format!("-p {port} -k {dir_str} -c listen_addresses=''");
    let log = dir.join("server.log").to_string_lossy().to_string();
    run(
        &bin.join("pg_ctl"),
        &["-D", &data_str, "-o", &options, "-l", &log, "-w", "start"],
    )?;
    let runuser = if as_root {
        "runuser -u postgres --"
    } else {
        ""
    };
    let pg_ctl = bin.join("pg_ctl");
    let stop = format!(
        "{runuser} {} -D {data_str} -m immediate stop",
        pg_ctl.display()
    );
    let pid = std::process::id();
    let watchdog =
        format!("while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}; rm -rf {dir_str}");
    // setsid: the watchdog must outlive the test harness's process group.
    Command::new("setsid")
        .args(["sh", "-c", &watchdog])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    Ok(PgConnectOptions::new()
        .host(&dir_str)
        .port(port)
        .username("postgres")
        .database("postgres"))
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .collect();
        versions.sort();
        versions.pop()
    })
}
