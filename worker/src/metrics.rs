//! Process-wide job counters, rendered in Prometheus text format together
//! with gauges read from the database at scrape time.

use sea_orm::DatabaseConnection;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Counters {
    pub jobs_succeeded: AtomicU64,
    pub jobs_failed: AtomicU64,
    pub emails_sent: AtomicU64,
    pub email_retries_scheduled: AtomicU64,
    pub dead_letters: AtomicU64,
    /// Sends that took over a claim whose sender may already have sent: the
    /// at-least-once window, counted rather than hidden.
    pub possible_duplicate_sends: AtomicU64,
    pub outbox_relayed: AtomicU64,
    pub job_latency_micros_sum: AtomicU64,
    pub job_latency_count: AtomicU64,
}

pub fn counters() -> &'static Counters {
    static COUNTERS: std::sync::OnceLock<Counters> = std::sync::OnceLock::new();
    COUNTERS.get_or_init(Counters::default)
}

pub fn inc(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

pub fn observe_job(elapsed: std::time::Duration) {
    let c = counters();
    c.job_latency_micros_sum
        .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    c.job_latency_count.fetch_add(1, Ordering::Relaxed);
}

/// Everything /metrics shows: this process's counters and the shared gauges.
pub async fn render(db: &DatabaseConnection, queue_depth: Option<u64>) -> String {
    let c = counters();
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, value: u64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
        );
    };
    counter(
        "hub_jobs_succeeded_total",
        "Jobs that finished without error.",
        c.jobs_succeeded.load(Ordering::Relaxed),
    );
    counter(
        "hub_jobs_failed_total",
        "Jobs that returned an error.",
        c.jobs_failed.load(Ordering::Relaxed),
    );
    counter(
        "hub_emails_sent_total",
        "Emails accepted by the mail server.",
        c.emails_sent.load(Ordering::Relaxed),
    );
    counter(
        "hub_email_retries_total",
        "Email retries scheduled after a transient failure.",
        c.email_retries_scheduled.load(Ordering::Relaxed),
    );
    counter(
        "hub_dead_letters_total",
        "Jobs that ended as dead letters.",
        c.dead_letters.load(Ordering::Relaxed),
    );
    counter(
        "hub_email_possible_duplicates_total",
        "Sends that took over an expired claim (may repeat an email).",
        c.possible_duplicate_sends.load(Ordering::Relaxed),
    );
    counter(
        "hub_outbox_relayed_total",
        "Outbox rows pushed to the job queue.",
        c.outbox_relayed.load(Ordering::Relaxed),
    );
    let _ = writeln!(
        out,
        "# HELP hub_job_duration_seconds Time spent in job handlers.\n# TYPE hub_job_duration_seconds summary\nhub_job_duration_seconds_sum {}\nhub_job_duration_seconds_count {}",
        c.job_latency_micros_sum.load(Ordering::Relaxed) as f64 / 1e6,
        c.job_latency_count.load(Ordering::Relaxed)
    );
    let now = chrono::Utc::now();
    if let Ok((pending, oldest)) = domain::platform::outbox::lag(db, now).await {
        let _ = writeln!(
            out,
            "# HELP hub_outbox_pending Outbox rows not yet relayed.\n# TYPE hub_outbox_pending gauge\nhub_outbox_pending {pending}"
        );
        let lag = oldest
            .map(|d| d.num_milliseconds().max(0) as f64 / 1e3)
            .unwrap_or(0.0);
        let _ = writeln!(
            out,
            "# HELP hub_outbox_lag_seconds Age of the oldest pending outbox row.\n# TYPE hub_outbox_lag_seconds gauge\nhub_outbox_lag_seconds {lag}"
        );
    }
    if let Ok(counts) = domain::platform::notifications::counts_by_status(db).await {
        let _ = writeln!(
            out,
            "# HELP hub_notifications Notifications by status.\n# TYPE hub_notifications gauge"
        );
        for (status, n) in counts {
            let _ = writeln!(out, "hub_notifications{{status=\"{status}\"}} {n}");
        }
    }
    if let Some(depth) = queue_depth {
        let _ = writeln!(
            out,
            "# HELP hub_queue_depth Jobs waiting in the queues.\n# TYPE hub_queue_depth gauge\nhub_queue_depth {depth}"
        );
    }
    out
}
