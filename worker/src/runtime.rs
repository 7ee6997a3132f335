//! Running the worker: the outbox relay, the timer sweep, the recovery sweep
//! and the apalis workers, until told to stop (finishing in-flight jobs).

use crate::broker::Broker;
use crate::deps::Deps;
use crate::jobs;
use crate::mailer::Mailer;
use crate::metrics;
use crate::payloads::{OutboxJob, SendNotification};
use crate::queues::Queues;
use anyhow::Context;
use apalis::layers::WorkerBuilderExt;
use apalis::prelude::BackendExt;
use apalis::prelude::{Monitor, WorkerBuilder};
use config::{Backend, Config};
use domain::Clock;
use lettre::message::Mailbox;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a relay holds claimed outbox rows before another may take them.
const RELAY_LEASE_SECONDS: i64 = 30;
const RELAY_BATCH: u64 = 200;
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A unique name per worker instance (host, pid, random): apalis-redis
/// recovers a dead worker's jobs by name, so names must never be shared.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &suffix[..8])
}

pub struct RunningWorker {
    pub name: String,
    pub queues: Queues,
    /// The calendar this worker computes with (reloaded on holiday changes).
    pub calendar: domain::business_time::SharedCalendar,
    stop: watch::Sender<bool>,
    join: Option<JoinHandle<()>>,
}

impl RunningWorker {
    /// Stop taking jobs, finish the ones in flight, then return.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The queues for the configured backend.
pub async fn queues(config: &Config, db: &DatabaseConnection) -> anyhow::Result<Queues> {
    match &config.backend {
        Backend::Embedded { .. } => Queues::sqlite(db, &config.queue_prefix).await,
        Backend::Production { redis_url, .. } => {
            Queues::redis(redis_url, &config.queue_prefix).await
        }
    }
}

/// The live-update broker for the configured backend: in process when
/// embedded, Redis pub/sub shared by every process in production.
pub async fn connect_broker(config: &Config) -> anyhow::Result<Broker> {
    match &config.backend {
        Backend::Embedded { .. } => Ok(Broker::in_process()),
        Backend::Production { redis_url, .. } => {
            Broker::redis(redis_url, format!("{}:live", config.queue_prefix))
                .await
                .context("connecting to Redis (REDIS_URL) for live updates")
        }
    }
}

/// Start relay, timer sweep, recovery sweep and job workers in the
/// background. `broker` carries holiday changes to this worker's calendar.
pub async fn start(
    config: Arc<Config>,
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    broker: Broker,
) -> anyhow::Result<RunningWorker> {
    let queues = queues(&config, &db).await?;
    let (calendar, calendar_follower) = crate::calendar::load_and_follow(&db, &broker, clock.now())
        .await
        .context("loading public holidays")?;
    domain::business_time::daily::ensure_planned(&db, &calendar.current(), clock.now())
        .await
        .context("planning the next daily run")?;
    let mailer = Mailer::new(
        config.smtp.as_ref().map(|s| s.url.as_str()),
        &config.data_dir.join("mail"),
    )?;
    let from: Mailbox = config.mail_from.clone();
    let mail_domain = from.email.domain().to_owned();
    let name = worker_name();
    let payments = Arc::new(domain::payments::provider::SimulatedCards::new(db.clone()));
    let deps = Arc::new(Deps {
        couriers: crate::couriers::configured(&config),
        db,
        payments,
        config: config.clone(),
        clock,
        mailer,
        from,
        mail_domain,
        queues: queues.clone(),
        calendar: calendar.clone(),
        broker,
        webhooks_due: Arc::new(tokio::sync::Notify::new()),
        webhooks_client: jobs::webhooks::client(),
    });
    let (stop, stopped) = watch::channel(false);
    let name_for_run = name.clone();
    let join = tokio::spawn(async move {
        run(deps, name_for_run, stopped).await;
        calendar_follower.abort();
    });
    tracing::info!(worker = %name, "worker started");
    Ok(RunningWorker {
        name,
        queues,
        calendar,
        stop,
        join: Some(join),
    })
}

async fn wait_for_stop(mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}

/// Jobs one embedded worker runs at once per queue: one SQLite writer at a
/// time, so more only queues on the lock.
pub const SQLITE_JOB_CONCURRENCY: usize = 4;
/// Jobs one worker process runs at once per queue on Redis. Jobs mostly
/// wait (database, SMTP); 8 held the notification path near 130 messages/s,
/// 24 near 300 (BENCHMARKS.md, P5). Also the most emails a killed worker
/// can have in flight, hence may repeat (at least once).
pub const REDIS_JOB_CONCURRENCY: usize = 24;

async fn run(deps: Arc<Deps>, name: String, stopped: watch::Receiver<bool>) {
    let relay = tokio::spawn(relay_loop(deps.clone(), name.clone(), stopped.clone()));
    let sweep = tokio::spawn(sweep_loop(deps.clone(), stopped.clone()));
    let timers = tokio::spawn(timer_loop(deps.clone(), stopped.clone()));
    let webhooks = tokio::spawn(webhook_loop(deps.clone(), stopped.clone()));
    let signal = {
        let stopped = stopped.clone();
        async move {
            wait_for_stop(stopped).await;
            Ok(())
        }
    };
    // The two backends have different types, so the same worker set is
    // spelled once here and instantiated per backend.
    macro_rules! run_workers {
        ($outbox:expr, $send:expr, $concurrency:expr) => {{
            // An idle apalis worker otherwise sleeps until its next heartbeat
            // (30 s): a push through another storage handle does not wake it.
            let every = deps.config.relay_interval;
            let (outbox, send) = (
                $outbox.poll_with_interval(every),
                $send.poll_with_interval(every),
            );
            // One apalis worker per queue, all with the same layers.
            macro_rules! job_worker {
                ($queue:literal, $backend:expr, $handler:path) => {{
                    let (deps, backend) = (deps.clone(), $backend);
                    let name = format!("{name}-{}", $queue);
                    move |_| {
                        WorkerBuilder::new(name.clone())
                            .backend(backend.clone())
                            .enable_tracing()
                            .catch_panic()
                            .concurrency($concurrency)
                            .data(deps.clone())
                            .build($handler)
                    }
                }};
            }
            // A job worker whose backend fails (Redis went away) ends with an
            // error; without a restart this process would stop taking jobs
            // for good. Each restart waits on the connection's own retries.
            let running = stopped.clone();
            Monitor::new()
                .should_restart(move |worker, error| {
                    let restart = !*running.borrow();
                    if restart {
                        tracing::warn!(worker = %worker.name(), restarts = worker.restarts(), %error, "job worker failed; restarting it");
                    }
                    restart
                })
                .register(job_worker!("outbox", outbox, jobs::outbox::handle))
                .register(job_worker!("email", send, jobs::send_notification::handle))
                .shutdown_timeout(SHUTDOWN_GRACE)
                .run_with_signal(signal)
                .await
        }};
    }
    let result = match deps.queues.clone() {
        Queues::Sqlite { outbox, send, .. } => run_workers!(outbox, send, SQLITE_JOB_CONCURRENCY),
        Queues::Redis { outbox, send, .. } => run_workers!(outbox, send, REDIS_JOB_CONCURRENCY),
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "job workers stopped with an error");
    }
    let _ = relay.await;
    let _ = sweep.await;
    let _ = timers.await;
    let _ = webhooks.await;
    tracing::info!(worker = %name, "worker stopped");
}

/// Waits for a loop's next round: `interval` passed, `wake` was notified,
/// or `stopped` changed. `false` when the change is the worker stopping.
async fn next_round(
    stopped: &mut watch::Receiver<bool>,
    interval: Duration,
    wake: Option<&tokio::sync::Notify>,
) -> bool {
    let woken = async {
        match wake {
            Some(wake) => wake.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = stopped.changed() => !*stopped.borrow(),
        _ = tokio::time::sleep(interval) => true,
        _ = woken => true,
    }
}

/// Move outbox rows to the queue: claim with a lease, push, mark relayed.
/// Dying between push and mark leaves the lease to expire and the row is
/// pushed again; handlers are idempotent.
async fn relay_loop(deps: Arc<Deps>, owner: String, mut stopped: watch::Receiver<bool>) {
    let interval = deps.config.relay_interval;
    let mut last_requeue = std::time::Instant::now();
    // After a full batch more rows are likely waiting: go again at once.
    let mut backlog = false;
    loop {
        if *stopped.borrow() {
            break;
        }
        if !backlog && !next_round(&mut stopped, interval, None).await {
            break;
        }
        backlog = match relay_once(&deps, &owner).await {
            Ok(relayed) => relayed as u64 >= RELAY_BATCH,
            Err(e) => {
                tracing::warn!(error = %e, "outbox relay pass failed");
                false
            }
        };
        let recovery = deps.config.recovery_after;
        if last_requeue.elapsed() >= recovery.to_std().unwrap_or(Duration::from_secs(120)) / 4 {
            last_requeue = std::time::Instant::now();
            match domain::platform::outbox::requeue_unprocessed(
                &deps.db,
                chrono::Utc::now(),
                recovery,
            )
            .await
            {
                Ok((0, 0)) => {}
                Ok((requeued, dead)) => tracing::warn!(
                    requeued,
                    dead,
                    "relayed outbox rows never finished: relaying again, or dead letters once out of attempts"
                ),
                Err(e) => tracing::warn!(error = %e, "outbox requeue check failed"),
            }
        }
    }
}

pub async fn relay_once(deps: &Deps, owner: &str) -> Result<usize, sea_orm::DbErr> {
    let now = chrono::Utc::now();
    let rows = domain::platform::outbox::claim_batch(
        &deps.db,
        owner,
        now,
        chrono::Duration::seconds(RELAY_LEASE_SECONDS),
        RELAY_BATCH,
    )
    .await?;
    let mut relayed = 0;
    for row in rows {
        match deps
            .queues
            .push_outbox(OutboxJob { outbox_id: row.id })
            .await
        {
            Ok(()) => {
                domain::platform::outbox::mark_relayed(&deps.db, row.id, owner, chrono::Utc::now())
                    .await?;
                metrics::outbox_relayed();
                relayed += 1;
            }
            Err(e) => {
                tracing::warn!(outbox_id = %row.id, error = %e, "pushing to the queue failed; the lease will expire and it is retried");
                break;
            }
        }
    }
    Ok(relayed)
}

/// Most timers fired in one transaction.
const TIMER_BATCH: u64 = 200;

/// Fire due timers on the app clock, as often as the relay runs, so a
/// business wait ends within a relay interval of its due time.
async fn timer_loop(deps: Arc<Deps>, mut stopped: watch::Receiver<bool>) {
    let interval = deps.config.relay_interval;
    while next_round(&mut stopped, interval, None).await {
        let calendar = deps.calendar.current();
        match domain::business_time::sweep::fire_due(
            &deps.db,
            &calendar,
            deps.clock.now(),
            TIMER_BATCH,
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(timers = n, "timers fired"),
            Err(e) => tracing::warn!(error = %e, "timer sweep failed"),
        }
    }
}

/// Send due webhook deliveries on the sweep interval, and at once when a
/// fan-out planned new ones.
async fn webhook_loop(deps: Arc<Deps>, mut stopped: watch::Receiver<bool>) {
    let interval = deps.config.sweep_interval;
    while next_round(&mut stopped, interval, Some(&*deps.webhooks_due)).await {
        match jobs::webhooks::send_due(&deps).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(deliveries = n, "webhook deliveries attempted"),
            Err(e) => tracing::warn!(error = %e, "webhook sweep failed"),
        }
    }
}

/// Recovery: notifications that are due but whose queued job was lost (a
/// crash, a lost push) are queued again.
async fn sweep_loop(deps: Arc<Deps>, mut stopped: watch::Receiver<bool>) {
    let interval = deps.config.sweep_interval;
    while next_round(&mut stopped, interval, None).await {
        let grace = deps.config.recovery_after / 4;
        match domain::platform::notifications::overdue(&deps.db, chrono::Utc::now(), grace, 500)
            .await
        {
            Ok(ids) => {
                for notification_id in ids {
                    if let Err(e) = deps
                        .queues
                        .push_send(SendNotification { notification_id }, None)
                        .await
                    {
                        tracing::warn!(%notification_id, error = %e, "sweep could not queue a send");
                        break;
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "notification sweep failed"),
        }
        // Finished work is kept for a while, then forgotten (wall time).
        let now = chrono::Utc::now();
        match domain::platform::outbox::purge_finished(&deps.db, now).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(rows = n, "purged finished outbox rows"),
            Err(e) => tracing::warn!(error = %e, "purging finished outbox rows failed"),
        }
        if let Err(e) = deps
            .queues
            .purge_finished(now - domain::platform::outbox::RETENTION)
            .await
        {
            tracing::warn!(error = %e, "purging finished job rows failed");
        }
        // Failed sign-ins only count within the throttle's window (wall time).
        if let Err(e) = domain::users::purge_old_failures(&deps.db, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "purging old sign-in failures failed");
        }
        // Keys are kept for their TTL on the app clock, then forgotten.
        match domain::kernel::idempotency::purge_expired(&deps.db, deps.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(keys = n, "purged expired idempotency keys"),
            Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
        }
    }
}

/// Used by the binary: connect and start with a config.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    domain::kernel::db::connect(config.backend.database_url())
        .await
        .context("connecting to the database")
}
