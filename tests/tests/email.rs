//! The job path end to end: outbox → relay → queue → handler → email.

use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use tests::smtp::SmtpSink;
use tests::{TestApp, services};

const CREATE: &str = r#"mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } } }"#;

async fn create_customer(app: &TestApp, name: &str, email: Option<&str>) -> String {
    let data = app
        .gql_ok(CREATE, json!({ "input": { "name": name, "email": email } }))
        .await;
    data["createCustomer"]["customer"]["id"]
        .as_str()
        .expect("created")
        .to_owned()
}

/// A worker for apps whose mode runs none in-process (PostgreSQL + Redis).
async fn ensure_worker(app: &TestApp) -> Option<worker::RunningWorker> {
    if app.has_embedded_worker() {
        None
    } else {
        Some(app.start_worker().await)
    }
}

fn eml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_until<F: Fn() -> bool>(what: &str, timeout: Duration, ready: F) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn try_notification_for(
    app: &TestApp,
    customer_id: &str,
) -> Option<entity::notification::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let id = uuid::Uuid::parse_str(customer_id).unwrap();
    entity::notification::Entity::find()
        .filter(entity::notification::Column::SubjectId.eq(id))
        .one(app.db())
        .await
        .unwrap()
}

async fn notification_for(app: &TestApp, customer_id: &str) -> entity::notification::Model {
    try_notification_for(app, customer_id)
        .await
        .expect("a notification row")
}

#[tokio::test]
async fn a_new_customer_gets_exactly_one_welcome_email_file() {
    let app = TestApp::spawn_with(&[("PUBLIC_BASE_URL", "https://shop.example.com.au")]).await;
    let _worker = ensure_worker(&app).await;
    let id = create_customer(&app, "Harbour Homewares", Some("orders@harbour.example")).await;
    create_customer(&app, "No Email Traders", None).await;

    let dir = app.mail_dir();
    wait_until("the welcome email", Duration::from_secs(20), || {
        eml_files(&dir).len() == 1
    })
    .await;
    let notification = notification_for(&app, &id).await;
    assert_eq!(notification.status, entity::NotificationStatus::Sent);

    // Deliver the same outbox job again: the handler sees the work is done.
    let outbox_row = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::SubjectId.eq(uuid::Uuid::parse_str(&id).unwrap()))
            .one(app.db())
            .await
            .unwrap()
            .unwrap()
    };
    app.app
        .state
        .queues
        .push_outbox(worker::payloads::OutboxJob {
            outbox_id: outbox_row.id,
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let files = eml_files(&dir);
    assert_eq!(files.len(), 1, "exactly one email: {files:?}");

    let raw = std::fs::read(&files[0]).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.message_id(),
        Some(format!("{}@hub.localhost", notification.id).as_str()),
        "Message-ID derives from the notification id"
    );
    assert_eq!(
        message.subject(),
        Some("Welcome to Service Delivery Hub Pty Ltd")
    );
    let html = message.body_html(0).expect("an HTML part");
    let text = message.body_text(0).expect("a text part");
    assert!(
        text.contains(&format!("https://shop.example.com.au/customers/{id}")),
        "{text}"
    );
    assert!(html.contains("Harbour Homewares"));
    assert_eq!(
        message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("orders@harbour.example")
    );
}

#[tokio::test]
async fn with_smtp_down_sends_retry_and_all_arrive_once_it_is_back() {
    let mut sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let _worker = ensure_worker(&app).await;
    sink.stop();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            create_customer(
                &app,
                &format!("Outage {i}"),
                Some(&format!("o{i}@outage.example")),
            )
            .await,
        );
    }
    // Every email fails at least once while the server is down.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut failed = 0;
        for id in &ids {
            let n = try_notification_for(&app, id).await;
            if n.is_some_and(|n| n.attempts >= 1 && n.last_error.is_some()) {
                failed += 1;
            }
        }
        if failed == ids.len() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "sends did not fail while SMTP was down"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sink.received().is_empty());
    sink.restart().await;
    let received = sink.wait_for(5, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received_after = sink.received();
    assert_eq!(received.len(), 5);
    assert_eq!(received_after.len(), 5, "no duplicates after recovery");
    let message_ids: HashSet<String> = received_after.iter().map(|m| m.message_id()).collect();
    assert_eq!(message_ids.len(), 5);
    for id in &ids {
        assert_eq!(
            notification_for(&app, id).await.status,
            entity::NotificationStatus::Sent
        );
    }
}

#[tokio::test]
async fn a_rejected_recipient_becomes_a_dead_letter_and_retry_delivers_it() {
    let sink = SmtpSink::start().await;
    sink.reject("bounce@dead.example");
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let _worker = ensure_worker(&app).await;
    let id = create_customer(&app, "Bouncy Pty Ltd", Some("bounce@dead.example")).await;

    let query =
        "{ deadJobs(first: 10) { edges { node { id jobKind referenceId lastError attempts } } } }";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let dead = loop {
        let data = app.gql_ok(query, json!({})).await;
        let edges = data["deadJobs"]["edges"].as_array().unwrap().clone();
        if !edges.is_empty() {
            break edges[0]["node"].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no dead letter appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let notification = notification_for(&app, &id).await;
    assert_eq!(dead["jobKind"], "notification");
    assert_eq!(dead["referenceId"], notification.id.to_string());
    assert_eq!(dead["attempts"], 1, "a permanent failure is not retried");
    assert!(
        dead["lastError"].as_str().unwrap().contains("550"),
        "{dead}"
    );
    assert_eq!(notification.status, entity::NotificationStatus::Dead);
    assert!(sink.received().is_empty());

    // Other roles may not see or retry dead letters.
    let finance = app.token_for(domain::Role::Finance, None);
    let refused = app.gql_as(Some(&finance), query, json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");

    sink.accept("bounce@dead.example");
    let retried = app
        .gql_ok(
            "mutation($id: ID!) { retryDeadJob(input: { id: $id }) { deadJob { retriedAt } userErrors { code } } }",
            json!({ "id": dead["id"] }),
        )
        .await;
    assert_eq!(retried["retryDeadJob"]["userErrors"], json!([]));
    assert!(retried["retryDeadJob"]["deadJob"]["retriedAt"].is_string());
    let received = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["bounce@dead.example".to_owned()]);
    assert_eq!(
        received[0].message_id(),
        format!("{}@hub.localhost", notification.id)
    );
    let again = app
        .gql_ok(
            "mutation($id: ID!) { retryDeadJob(input: { id: $id }) { userErrors { code } } }",
            json!({ "id": dead["id"] }),
        )
        .await;
    assert_eq!(again["retryDeadJob"]["userErrors"][0]["code"], "CONFLICT");
    let remaining = app.gql_ok(query, json!({})).await;
    assert_eq!(remaining["deadJobs"]["edges"], json!([]));
}

#[tokio::test]
async fn metrics_and_readiness_cover_the_job_path() {
    let app = TestApp::spawn().await;
    let _worker = ensure_worker(&app).await;
    create_customer(&app, "Metric Pty Ltd", Some("m@metric.example")).await;
    let dir = app.mail_dir();
    wait_until("the email", Duration::from_secs(20), || {
        eml_files(&dir).len() == 1
    })
    .await;
    // Metrics live on their own address, not on the public API port.
    let on_api_port = app
        .client
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(on_api_port.status(), 404);
    let metrics = app
        .client
        .get(format!("http://{}/metrics", app.app.metrics_addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "hub_outbox_pending",
        "hub_outbox_lag_seconds",
        "hub_queue_depth",
        "hub_job_duration_seconds_count",
        "hub_jobs_failed_total",
        "hub_email_retries_total",
        "hub_notifications{status=\"SENT\"} 1",
    ] {
        assert!(metrics.contains(name), "{name} missing from:\n{metrics}");
    }
    let ready = app
        .client
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
}

/// 200 customers, two workers, PostgreSQL + Redis + SMTP: 200 messages, no
/// duplicate Message-ID.
#[tokio::test]
async fn two_hundred_customers_with_two_workers_get_two_hundred_messages() {
    if services::require_production_services("200 emails on PostgreSQL + Redis").is_none() {
        return;
    }
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("SMTP_URL", &sink.url())]).await;
    let first = app.start_worker().await;
    let second = app.start_worker().await;
    assert_ne!(first.name, second.name, "worker names are unique");
    use futures::StreamExt;
    futures::stream::iter(0..200)
        .for_each_concurrent(20, |i| {
            let app = &app;
            async move {
                let data = app
                    .gql_ok(CREATE, json!({ "input": { "name": format!("Bulk {i}"), "email": format!("bulk{i}@bulk.example") } }))
                    .await;
                assert_eq!(data["createCustomer"]["userErrors"], json!([]));
            }
        })
        .await;
    let received = sink.wait_for(200, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = if received.len() >= 200 {
        sink.received()
    } else {
        received
    };
    let ids: HashSet<String> = received.iter().map(|m| m.message_id()).collect();
    let recipients: HashSet<String> = received.iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(recipients.len(), 200, "every customer got mail");
    assert_eq!(received.len(), 200, "no message twice");
    assert_eq!(ids.len(), 200, "no duplicate Message-ID");
    first.stop().await;
    second.stop().await;
}
