//! Real `worker` processes on PostgreSQL + Redis + SMTP: a worker killed with
//! SIGKILL mid-batch and replaced loses nothing.

use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tests::faults::WorkerProcess;
use tests::smtp::SmtpSink;
use tests::{TestApp, services};

#[tokio::test]
async fn a_worker_killed_mid_batch_and_restarted_loses_nothing() {
    if services::require_production_services("SIGKILL a worker").is_none() {
        return;
    }
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let config = &app.app.state.config;
    let (database_url, redis_url) = app
        .production_urls()
        .expect("production services are configured");
    let vars: Vec<(String, String)> = [
        ("DATABASE_URL", database_url.as_str()),
        ("REDIS_URL", redis_url.as_str()),
        ("QUEUE_PREFIX", config.queue_prefix.as_str()),
        ("SMTP_URL", &sink.url()),
        ("WORKER_METRICS_ADDR", "127.0.0.1:0"),
        ("RELAY_INTERVAL_MS", "50"),
        ("SWEEP_INTERVAL_MS", "200"),
        ("RECOVERY_AFTER_MS", "3000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();

    let mut first = WorkerProcess::start(&vars);
    const N: usize = 120;
    for i in 0..N {
        let data = app
            .gql_ok(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { userErrors { code } } }",
                json!({ "input": { "name": format!("Kill {i}"), "email": format!("kill{i}@kill.example") } }),
            )
            .await;
        assert_eq!(data["createCustomer"]["userErrors"], json!([]));
    }
    // Kill it part-way through the batch.
    let some = sink.wait_for(10, Duration::from_secs(60)).await.len();
    assert!(some >= 10, "the first worker was sending");
    first.kill();
    let at_kill = sink.received().len();

    let mut second = WorkerProcess::start(&vars);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let recipients: HashSet<String> =
            sink.received().iter().flat_map(|m| m.to.clone()).collect();
        if recipients.len() == N {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {N} customers got mail after the restart; worker logs:\n{}",
            recipients.len(),
            second.logs.text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every job finished: with each email SENT, nothing left can send again,
    // so what the sink holds now is final.
    app.outbox_drained("every outbox row processed").await;
    let received = sink.received();
    let mut per_message_id: HashMap<String, usize> = HashMap::new();
    for m in &received {
        *per_message_id.entry(m.message_id()).or_default() += 1;
    }
    let repeats: usize = per_message_id.values().map(|n| n - 1).sum();
    let lost = N.saturating_sub(per_message_id.len());
    println!(
        "fault worker-sigkill: accepted={N} delivered={} lost={lost} duplicated={repeats} (killed after {at_kill} sent; repeats are the at-least-once window)",
        per_message_id.len()
    );
    assert_eq!(
        per_message_id.len(),
        N,
        "every notification arrived, each with its own Message-ID"
    );
    // Only sends in flight at the kill can repeat (at most the worker's concurrency).
    assert!(
        repeats <= worker::runtime::REDIS_JOB_CONCURRENCY,
        "{repeats} repeats"
    );
    // SIGTERM: finish in-flight work and exit cleanly.
    let exit = second.terminate();
    assert!(exit.success(), "graceful exit, got {exit:?}");
}
