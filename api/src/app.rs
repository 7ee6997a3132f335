//! Start-up: connect, migrate, seed, build the router, serve until told to stop.

use crate::graphql::build_schema;
use crate::http::router;
pub use crate::state::AppState;
use anyhow::Context;
use config::{Backend, Config};
use domain::Clock;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Connect to the configured database (creating the SQLite file and its folder
/// when embedded), apply migrations and seed the settings row.
pub async fn prepare(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    if let Backend::Embedded { database_url } = &config.backend
        && let Some(parent) =
            sqlite_path(database_url).and_then(|p| p.parent().map(|d| d.to_owned()))
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating database folder {}", parent.display()))?;
    }
    let db = domain::kernel::db::connect(config.backend.database_url())
        .await
        .context("connecting to the database")?;
    migrate(&config, &db).await.context("applying migrations")?;
    domain::settings::ensure_seeded(&db, &config.settings_seed())
        .await
        .context("seeding business settings")?;
    let broker = worker::runtime::connect_broker(&config).await?;
    // The follower lives as long as the broker's channel (the process).
    let (calendar, _follower) = worker::calendar::load_and_follow(&db, &broker, clock.now())
        .await
        .context("loading public holidays")?;
    let queues = worker::runtime::queues(&config, &db)
        .await
        .context("opening the job queues")?;
    let config = Arc::new(config);
    let schema = build_schema(
        db.clone(),
        config.clone(),
        clock.clone(),
        broker.clone(),
        calendar.clone(),
    );
    Ok(AppState {
        db,
        config,
        clock,
        schema,
        broker,
        queues,
        calendar,
    })
}

/// Apply pending migrations. On PostgreSQL several processes may start at
/// once, so one session holds an advisory lock while it migrates and the
/// others wait, then find nothing left to do.
async fn migrate(config: &Config, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    const MIGRATION_LOCK: i64 = 0x5d4_0001;
    match &config.backend {
        Backend::Embedded { .. } => Migrator::up(db, None).await,
        Backend::Production { database_url, .. } => {
            let mut options = sea_orm::ConnectOptions::new(database_url.clone());
            options
                .max_connections(1)
                .min_connections(1)
                .sqlx_logging(false);
            let session = sea_orm::Database::connect(options).await?;
            session
                .execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .await?;
            let result = Migrator::up(&session, None).await;
            let _ = session
                .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .await;
            let _ = session.close().await;
            result
        }
    }
}

/// The file path inside a `sqlite:` URL, if it names a file.
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

/// A server running in the background of this process (tests, embedding).
pub struct RunningApp {
    pub addr: SocketAddr,
    pub state: AppState,
    /// Where /metrics is served (its own listener, not the API port).
    pub metrics_addr: SocketAddr,
    /// The in-process worker (embedded mode only).
    worker: Option<worker::RunningWorker>,
    metrics: Option<worker::metrics::MetricsServer>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningApp {
    /// The worker running inside this process (embedded mode only).
    pub fn worker(&self) -> Option<&worker::RunningWorker> {
        self.worker.as_ref()
    }

    /// Stop accepting, finish in-flight requests, and wait for the server.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
        if let Some(metrics) = self.metrics.take() {
            metrics.stop().await;
        }
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Prepare and serve on `listener` in a background task.
pub async fn start(
    config: Config,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> anyhow::Result<RunningApp> {
    let state = prepare(config, clock).await?;
    let worker = start_embedded_worker(&state).await?;
    let metrics = start_metrics(&state).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(serve(listener, state.clone(), async {
        let _ = rx.await;
    }));
    Ok(RunningApp {
        addr,
        metrics_addr: metrics.addr,
        state,
        worker,
        metrics: Some(metrics),
        shutdown: Some(tx),
        handle: Some(handle),
    })
}

/// Serve /metrics on `METRICS_ADDR` (loopback by default).
pub async fn start_metrics(state: &AppState) -> anyhow::Result<worker::metrics::MetricsServer> {
    let addr = state.config.metrics_addr;
    worker::metrics::MetricsServer::start(addr, state.db.clone(), state.queues.clone())
        .await
        .with_context(|| format!("cannot listen on {addr} (METRICS_ADDR)"))
}

/// In embedded mode the worker runs inside the API process; in production it
/// runs in its own `worker` processes.
pub async fn start_embedded_worker(
    state: &AppState,
) -> anyhow::Result<Option<worker::RunningWorker>> {
    match state.config.backend {
        Backend::Embedded { .. } => Ok(Some(
            worker::start(
                state.config.clone(),
                state.db.clone(),
                state.clock.clone(),
                state.broker.clone(),
            )
            .await?,
        )),
        Backend::Production { .. } => Ok(None),
    }
}

/// Serve until `shutdown` resolves, then drain in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address feeds the sign-in throttle.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
