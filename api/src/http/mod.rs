//! The HTTP service (`htx-ledger serve`): JSON under `/api/v1/` for every command and every
//! projection, the ledger's proofs, people and roles by bearer token, RFC 9457 errors,
//! idempotent commands, health, readiness and metrics. docs/api.md describes it for users;
//! `/openapi.json` is generated from [`routes::all`], as the router is.

pub mod auth;
pub mod batch;
pub mod commands;
pub mod dashboard;
pub mod input;
pub mod ledger;
pub mod openapi;
pub mod operation;
pub mod ops;
pub mod problem;
pub mod reads;
pub mod reports;
pub mod routes;
pub mod tiles;
pub mod witnesses;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, on};
use metrics_exporter_prometheus::PrometheusHandle;
use store::keys::KeyRing;
use store::{Database, Ledger};
use witnessing::Witnessing;

use auth::{Authenticated, PeopleDirectory};
use problem::Problem;
use reads::LiveProjections;
use routes::{Endpoint, Route};

use programme::Programme;

/// The largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A response of `body` with its content type.
pub fn with_content_type(
    status: axum::http::StatusCode,
    body: impl Into<axum::body::Body>,
    content_type: &'static str,
) -> axum::response::Response {
    let mut response = (status, body.into()).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    response
}

/// The request's id, as logged and returned in `x-request-id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Idempotency keys whose request is running, so that a retry sent meanwhile does not run
/// the command a second time.
#[derive(Default)]
pub struct InFlight {
    keys: Mutex<HashSet<(String, String)>>,
}

/// Releases a claimed idempotency key when dropped.
pub struct Claimed<'a> {
    owner: &'a InFlight,
    key: (String, String),
}

impl InFlight {
    pub fn claim(&self, user: &str, key: &str) -> Option<Claimed<'_>> {
        let claimed = (user.to_string(), key.to_string());
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.insert(claimed.clone()).then_some(Claimed {
            owner: self,
            key: claimed,
        })
    }
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        let mut keys = self.owner.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.remove(&self.key);
    }
}

/// What every handler shares.
pub struct AppState {
    pub programme: Programme,
    pub people: Arc<PeopleDirectory>,
    pub live: Arc<LiveProjections>,
    pub keys: Option<Arc<KeyRing>>,
    pub metrics: PrometheusHandle,
    pub in_flight: InFlight,
    /// The most projector lag (entries) at which `/readyz` says ready.
    pub max_lag: u64,
    pub last_verification: Mutex<Option<ledger::Verification>>,
    /// With a policy (`serve --policy`): the witnessing, whose published checkpoint is the
    /// one served.
    pub witnessing: Option<Arc<Witnessing>>,
}

impl AppState {
    pub fn db(&self) -> &Database {
        self.programme.ledger.database()
    }

    /// Opens everything the service needs on an open ledger: the people, the live
    /// projections (caught up with the log).
    ///
    /// # Errors
    /// When the log or the projections cannot be read.
    pub async fn new(
        ledger: Ledger,
        keys: Option<Arc<KeyRing>>,
        max_lag: u64,
        witnessing: Option<Arc<Witnessing>>,
        progress: impl FnMut(u64),
    ) -> anyhow::Result<Arc<AppState>> {
        // The projector and the directory of people count their statements apart from the
        // commands': `ledger.database().statements()` is then what commands (and the reads of
        // the log) sent.
        let db = ledger.database();
        let people = PeopleDirectory::load(&db.counted_apart()).await?;
        let live = LiveProjections::start(&db.counted_apart(), ledger.appender(), progress).await?;
        Ok(Arc::new(AppState {
            programme: Programme::new(ledger),
            people,
            live,
            keys,
            metrics: ops::prometheus(),
            in_flight: InFlight::default(),
            max_lag,
            last_verification: Mutex::new(None),
            witnessing,
        }))
    }
}

fn method_filter(route: &Route) -> MethodFilter {
    MethodFilter::try_from(route.method.clone()).unwrap_or(MethodFilter::GET)
}

type Pairs = Query<Vec<(String, String)>>;

fn endpoint(route: &Route) -> MethodRouter<Arc<AppState>> {
    let filter = method_filter(route);
    match route.endpoint {
        Endpoint::Command(spec) => on(
            filter,
            move |State(state): State<Arc<AppState>>,
                  Extension(person): Extension<Authenticated>,
                  Extension(request_id): Extension<RequestId>,
                  Path(id): Path<String>,
                  headers: HeaderMap,
                  body: Result<Bytes, BytesRejection>| {
                commands::handle(spec, state, person, request_id, id, headers, body)
            },
        ),
        Endpoint::Projection { projection, shape } => on(
            filter,
            move |State(state): State<Arc<AppState>>, Query(pairs): Pairs| async move {
                reads::read(&state.live, projection, shape.name, shape, &pairs).await
            },
        ),
        Endpoint::Operation(operation) => (operation.handler)(filter),
    }
}

/// The service's router: every route of [`routes::all`], each behind the roles it admits;
/// with `public_entries`, the tiles' entry bundles too are served to anyone.
pub fn router(state: Arc<AppState>, public_entries: bool) -> Router {
    let mut router: Router<Arc<AppState>> = Router::new();
    for route in routes::all() {
        let mut method_router = endpoint(&route);
        let made_public = public_entries && route.path == tiles::ENTRY_BUNDLE_PATH;
        if !route.roles.is_empty() && !made_public {
            method_router = method_router.route_layer(middleware::from_fn_with_state(
                (state.clone(), route.roles),
                auth::require_roles,
            ));
        }
        router = router.route(&route.path, method_router);
    }
    router
        .fallback(|| async {
            Problem::not_found("no such route / không có đường dẫn này")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(ops::around_every_request))
        .with_state(state)
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    /// The most projector lag (entries) at which `/readyz` says ready.
    pub max_lag: u64,
    /// How often the projector polls for entries written by other processes.
    pub poll: Duration,
    /// Sign a checkpoint when the log grew and this long has passed (with a signing key).
    pub checkpoint_every: Duration,
    /// A tlog-policy: push each checkpoint to its witnesses and publish only the ones its
    /// quorum cosigned. `None`: publish every signed checkpoint.
    pub policy: Option<tlog::policy::Policy>,
    /// Serve the tiles' entry bundles (`/tlog/tile/entries/…`) to anyone, not only to the
    /// roles that may read entries: for a log whose entries the operator has decided to
    /// publish.
    pub public_entries: bool,
    pub witnessing: witnessing::Options,
}

impl ServeOptions {
    /// On 127.0.0.1 at a port the system picks, polling every `poll`, signing rarely (an
    /// hour): for tests and benchmarks that start the service in-process.
    pub fn local(poll: Duration) -> ServeOptions {
        ServeOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_lag: 10_000,
            poll,
            checkpoint_every: Duration::from_secs(3600),
            policy: None,
            public_entries: false,
            witnessing: witnessing::Options::default(),
        }
    }
}

/// A running service: its address, and the handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting connections, lets in-flight requests finish, then stops the
    /// background tasks and writes the live projections' last entries to their tables.
    ///
    /// # Errors
    /// When the server failed.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        let served = self.task.await;
        stop_background(&self.state, self.background).await;
        served??;
        Ok(())
    }

    /// Waits until the server stops by itself (after ctrl-c or SIGTERM).
    ///
    /// # Errors
    /// When the server failed.
    pub async fn wait(self) -> anyhow::Result<()> {
        let served = self.task.await;
        stop_background(&self.state, self.background).await;
        served??;
        Ok(())
    }
}

/// Stops the background tasks, then commits what the live projections folded since their
/// last commit (otherwise folded again at the next start).
async fn stop_background(state: &AppState, background: Vec<tokio::task::JoinHandle<()>>) {
    for task in background {
        task.abort();
        let _ = task.await;
    }
    if let Err(error) = state.live.commit().await {
        tracing::warn!(%error, "the live projections' last entries were not written; the next start folds them again");
    }
}

/// Starts the service on an open ledger: the projector follows the log, the people
/// directory stays current, a checkpointer signs (with a signing key), the witnessing pushes
/// the checkpoints to the policy's witnesses (with a policy), and the server listens on `options.bind` until [`Running::stop`] or, with `until_signal`, ctrl-c/SIGTERM.
///
/// # Errors
/// When the address cannot be bound or the log cannot be read.
pub async fn start(
    ledger: Ledger,
    keys: Option<Arc<KeyRing>>,
    options: &ServeOptions,
    until_signal: bool,
) -> anyhow::Result<Running> {
    let head = ledger.appender().head();
    // The recorder first: the witnessing sets its gauges as it starts.
    let _ = ops::prometheus();
    let mut witnessing_task = None;
    let witnessing = match &options.policy {
        Some(policy) => {
            let (witnessing, task) = Witnessing::spawn(
                ledger.database().counted_apart(),
                policy.clone(),
                options.witnessing.clone(),
            )
            .await?;
            witnessing_task = Some(task);
            Some(witnessing)
        }
        None => None,
    };
    let state = AppState::new(ledger, keys.clone(), options.max_lag, witnessing, |_| {}).await?;
    let metrics = state.metrics.clone();
    let mut background = vec![
        state.live.clone().follow(head, options.poll),
        state.people.clone().keep_current(),
        // The recorder keeps each histogram sample until upkeep folds it into the buckets:
        // without it, memory grows between scrapes of /metrics.
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                metrics.run_upkeep();
            }
        }),
    ];
    background.extend(witnessing_task);
    if let Some(keys) = keys.filter(|k| k.origin().is_some()) {
        background.push(store::checkpoint::spawn_checkpointer(
            state.db().counted_apart(),
            keys,
            Arc::new(store::SystemClock),
            store::checkpoint::Schedule {
                interval: options.checkpoint_every,
                entries: 100_000,
            },
        ));
    }
    let listener = tokio::net::TcpListener::bind(options.bind).await?;
    let addr = listener.local_addr()?;
    let app = router(state.clone(), options.public_entries);
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                if until_signal {
                    tokio::select! {
                        _ = stopped => {}
                        () = signal() => {}
                    }
                } else {
                    let _ = stopped.await;
                }
            })
            .await
    });
    Ok(Running {
        addr,
        state,
        shutdown,
        task,
        background,
    })
}

/// ctrl-c, or SIGTERM on Unix.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}
