//! `worker`: runs the outbox relay and job handlers against PostgreSQL +
//! Redis. Start as many as you like; each gets a unique name.

use config::Config;
use domain::SystemClock;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!(
            "worker: runs background jobs (outbox relay, timers, customer email).\n\n\
             Configuration comes from the environment (see README); it serves\n\
             /metrics and /healthz on WORKER_METRICS_ADDR. SIGTERM or Ctrl-C\n\
             finishes in-flight jobs and stops."
        );
        return ExitCode::SUCCESS;
    }
    let config = match worker::process::load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    worker::process::init(&config);
    worker::process::run_to_exit("worker", run(config))
}

async fn run(config: Config) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let db = worker::runtime::connect(&config).await?;
    let broker = worker::runtime::connect_broker(&config).await?;
    let running = worker::start(config.clone(), db.clone(), Arc::new(SystemClock), broker).await?;
    let metrics = worker::metrics::MetricsServer::start(
        config.worker_metrics_addr,
        db.clone(),
        running.queues.clone(),
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {} (WORKER_METRICS_ADDR): {e}",
            config.worker_metrics_addr
        )
    })?;
    tracing::info!(worker = %running.name, "metrics at http://{}/metrics", metrics.addr);
    worker::process::shutdown_signal().await;
    running.stop().await;
    metrics.stop().await;
    Ok(())
}
