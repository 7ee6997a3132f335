//! Metrics through the `metrics` facade and its Prometheus exporter: the
//! process's counters and histograms, plus gauges read from the database at
//! scrape time. Served on a metrics address of their own (loopback by
//! default), never on the public API port.

use crate::queues::Queues;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;

/// The process-wide recorder, installed on first use (one per process, however
/// many apps or workers a test starts in it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .install_recorder()
            .expect("the metrics recorder is installed once per process");
        describe();
        handle
    })
}

/// Every counter, with its help text.
const COUNTERS: [(&str, &str); 9] = [
    (
        "hub_jobs_succeeded_total",
        "Jobs that finished without error.",
    ),
    ("hub_jobs_failed_total", "Jobs that returned an error."),
    (
        "hub_emails_sent_total",
        "Emails accepted by the mail server.",
    ),
    (
        "hub_email_retries_total",
        "Email retries scheduled after a transient failure.",
    ),
    ("hub_dead_letters_total", "Jobs that ended as dead letters."),
    (
        "hub_email_possible_duplicates_total",
        "Sends that took over an expired claim (may repeat an email).",
    ),
    (
        "hub_outbox_relayed_total",
        "Outbox rows pushed to the job queue.",
    ),
    (
        "hub_tracking_packages_polled_total",
        "Packages asked of couriers by tracking polls.",
    ),
    (
        "hub_tracking_poll_failures_total",
        "Courier tracking calls that got no answer (their packages back off).",
    ),
];

fn describe() {
    for (name, help) in COUNTERS {
        describe_counter!(name, help);
        // Registered at zero, so a scrape shows every counter from the start.
        counter!(name).increment(0);
    }
    describe_histogram!("hub_job_duration_seconds", "Time spent in job handlers.");
    describe_gauge!("hub_outbox_pending", "Outbox rows not yet relayed.");
    describe_gauge!(
        "hub_outbox_lag_seconds",
        "Age of the oldest pending outbox row."
    );
    describe_gauge!("hub_notifications", "Notifications by status.");
    describe_gauge!("hub_queue_depth", "Jobs waiting in the queues.");
}

pub fn job_finished(elapsed: Duration, ok: bool) {
    handle();
    histogram!("hub_job_duration_seconds").record(elapsed.as_secs_f64());
    if ok {
        counter!("hub_jobs_succeeded_total").increment(1);
    } else {
        counter!("hub_jobs_failed_total").increment(1);
    }
}

macro_rules! counters {
    ($($fn:ident => $name:literal),* $(,)?) => {$(
        pub fn $fn() {
            handle();
            counter!($name).increment(1);
        }
    )*};
}

counters! {
    email_sent => "hub_emails_sent_total",
    email_retry_scheduled => "hub_email_retries_total",
    dead_letter => "hub_dead_letters_total",
    // The at-least-once window, counted rather than hidden.
    possible_duplicate_send => "hub_email_possible_duplicates_total",
    outbox_relayed => "hub_outbox_relayed_total",
}

/// A courier tracking call asked about `packages`; `failed` when it got no answer.
pub fn tracking_poll(packages: usize, failed: bool) {
    handle();
    counter!("hub_tracking_packages_polled_total").increment(packages as u64);
    if failed {
        counter!("hub_tracking_poll_failures_total").increment(1);
    }
}

/// Everything /metrics shows: refresh the shared gauges, then render.
pub async fn render(db: &DatabaseConnection, queues: &Queues) -> String {
    let handle = handle();
    let now = chrono::Utc::now();
    if let Ok((pending, oldest)) = domain::platform::outbox::lag(db, now).await {
        gauge!("hub_outbox_pending").set(pending as f64);
        let lag = oldest.map(|d| d.num_milliseconds().max(0) as f64 / 1e3);
        gauge!("hub_outbox_lag_seconds").set(lag.unwrap_or(0.0));
    }
    if let Ok(counts) = domain::platform::notifications::counts_by_status(db).await {
        for (status, n) in counts {
            gauge!("hub_notifications", "status" => status.to_string()).set(n as f64);
        }
    }
    if let Some(depth) = queues.depth().await {
        gauge!("hub_queue_depth").set(depth as f64);
    }
    handle.render()
}

/// A metrics endpoint (`/metrics`, and `/healthz`) on its own listener.
pub struct MetricsServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    join: Option<tokio::task::JoinHandle<()>>,
}

impl MetricsServer {
    /// Bind `addr` and serve until stopped.
    pub async fn start(
        addr: SocketAddr,
        db: DatabaseConnection,
        queues: Queues,
    ) -> std::io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .route(
                "/metrics",
                axum::routing::get(move || {
                    let (db, queues) = (db.clone(), queues.clone());
                    async move { render(&db, &queues).await }
                }),
            );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let join = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "metrics endpoint stopped");
            }
        });
        Ok(MetricsServer {
            addr,
            stop: Some(stop),
            join: Some(join),
        })
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(join) = self.join.take() {
            let _ = join.await;
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
