//! The job path end to end: outbox → relay → queue → handler → email.

use domain::engagements::NewEngagement;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use tests::smtp::SmtpSink;
use tests::{
    Email, Role, TestApp, eml_files, error_code, nodes, ops, services, user_error_codes, wait_for,
    wait_for_value,
};

/// How long the job path may take on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

async fn create_customer(app: &TestApp, name: &str, email: Option<&str>) -> String {
    app.admin()
        .new_customer(json!({ "name": name, "email": email }))
        .await
}

async fn notification_for(app: &TestApp, customer_id: &str) -> entity::notification::Model {
    app.notification_for(customer_id)
        .await
        .expect("a notification row")
}

/// Outbox-queue jobs the SQLite queue has finished; `None` on Redis, whose
/// queue keeps no record of finished jobs.
async fn finished_outbox_jobs(app: &TestApp) -> Option<i64> {
    use sea_orm::ConnectionTrait;
    if !app.has_embedded_worker() {
        return None;
    }
    let row = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type LIKE '%:outbox' AND status = 'Done'",
        ))
        .await
        .expect("read the job table")?;
    Some(row.try_get::<i64>("", "n").expect("a count"))
}

#[tokio::test]
async fn a_new_customer_gets_exactly_one_welcome_email_file() {
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("PUBLIC_BASE_URL", "https://shop.example.com.au")]).await;
    let id = create_customer(&app, "Harbour Homewares", Some("orders@harbour.example")).await;
    create_customer(&app, "No Email Traders", None).await;

    // The worker writes the file, then records SENT: wait for the record.
    let notification = wait_for_value("the welcome email recorded SENT", PATIENCE, async || {
        app.notification_for(&id)
            .await
            .filter(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    let dir = app.mail_dir();
    let files = eml_files(&dir);
    assert_eq!(files.len(), 1, "one email once SENT: {files:?}");

    // Deliver the same outbox job again: the handler sees the work is done.
    let outbox_row = app.outbox_rows(&id).await.remove(0);
    // Both customers' outbox jobs are finished before counting.
    let finished_before = if app.has_embedded_worker() {
        let outbox_rows = app.count(entity::outbox::Entity).await as i64;
        Some(
            wait_for_value("the relayed outbox jobs to finish", PATIENCE, async || {
                finished_outbox_jobs(&app)
                    .await
                    .filter(|&n| n >= outbox_rows)
            })
            .await,
        )
    } else {
        None
    };
    app.app
        .state
        .queues
        .push_outbox(worker::payloads::OutboxJob {
            outbox_id: outbox_row.id,
        })
        .await
        .unwrap();
    match finished_before {
        Some(before) => {
            wait_for("the repeated outbox job to finish", PATIENCE, async || {
                finished_outbox_jobs(&app).await > Some(before)
            })
            .await
        }
        // Redis keeps no record of finished jobs: give the job time to run.
        None => tokio::time::sleep(Duration::from_millis(1500)).await,
    }
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
    assert!(text.contains("Welcome, Harbour Homewares"), "{text}");
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
    // Five attempts, 3 s apart and doubling: the outage below must end
    // before the first email runs out of attempts (after about 45 s), even
    // when the SQLite queue takes its 30 s poll to pick a job up on a busy
    // machine.
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("SMTP_URL", &sink.url()), ("EMAIL_RETRY_BASE_MS", "3000")])
            .await;
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
    wait_for(
        "every send to fail while SMTP is down",
        PATIENCE,
        async || {
            for id in &ids {
                let n = app.notification_for(id).await;
                if !n.is_some_and(|n| n.attempts >= 1 && n.last_error.is_some()) {
                    return false;
                }
            }
            true
        },
    )
    .await;
    assert!(sink.received().is_empty());
    for id in &ids {
        assert_ne!(
            notification_for(&app, id).await.status,
            entity::NotificationStatus::Sent
        );
    }
    sink.restart().await;
    // The last retry may be 24 s away, plus the queue's pick-up.
    let received = sink.wait_for(5, Duration::from_secs(90)).await;
    assert_eq!(received.len(), 5);
    wait_for("every notification recorded SENT", PATIENCE, async || {
        for id in &ids {
            if notification_for(&app, id).await.status != entity::NotificationStatus::Sent {
                return false;
            }
        }
        true
    })
    .await;
    // Every outbox job has finished too: with every email SENT, no job left
    // can claim one again, so what the sink holds now is final.
    wait_for("every outbox row processed", PATIENCE, async || {
        let mut all = true;
        for id in &ids {
            all &= app
                .outbox_rows(id)
                .await
                .iter()
                .all(|r| r.processed_at.is_some());
        }
        all
    })
    .await;
    let received_after = sink.received();
    let message_ids: HashSet<String> = received_after.iter().map(|m| m.message_id()).collect();
    let mut attempts = 0;
    for id in &ids {
        attempts += notification_for(&app, id).await.attempts;
    }
    println!(
        "fault smtp-down: accepted={} delivered={} lost={} duplicated={} (send attempts {attempts}, each email failing at least once while SMTP was down)",
        ids.len(),
        message_ids.len(),
        ids.len().saturating_sub(message_ids.len()),
        received_after.len() - message_ids.len()
    );
    assert_eq!(received_after.len(), 5, "no duplicates after recovery");
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
    let (app, _worker) = TestApp::spawn_with_worker(&[("SMTP_URL", &sink.url())]).await;
    let id = create_customer(&app, "Bouncy Pty Ltd", Some("bounce@dead.example")).await;

    let admin = app.admin();
    let dead = wait_for_value("a dead letter", PATIENCE, async || {
        nodes(&admin.dead_jobs().await).first().cloned()
    })
    .await;
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
    let finance = app.as_role(Role::Finance);
    let refused = finance.run(ops::DEAD_JOBS, json!({ "first": 10 })).await;
    assert_eq!(error_code(&refused).as_deref(), Some("FORBIDDEN"));
    let dead_id = dead["id"].as_str().unwrap();
    let refused = finance
        .run(ops::RETRY_DEAD_JOB, json!({ "id": dead_id }))
        .await;
    assert_eq!(error_code(&refused).as_deref(), Some("FORBIDDEN"));

    sink.accept("bounce@dead.example");
    let retried = admin.retry_dead_job(dead_id).await;
    assert_eq!(retried["userErrors"], json!([]));
    assert!(retried["deadJob"]["retriedAt"].is_string());
    let received = sink.wait_for(1, PATIENCE).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["bounce@dead.example".to_owned()]);
    assert_eq!(
        received[0].message_id(),
        format!("{}@hub.localhost", notification.id)
    );
    let again = admin.retry_dead_job(dead_id).await;
    assert_eq!(user_error_codes(&again), ["CONFLICT"]);
    assert_eq!(admin.dead_jobs().await["edges"], json!([]));
}

#[tokio::test]
async fn metrics_and_readiness_cover_the_job_path() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let id = create_customer(&app, "Metric Pty Ltd", Some("m@metric.example")).await;
    // SENT is recorded after the file is written: wait for the record.
    wait_for("the email recorded SENT", PATIENCE, async || {
        app.notification_for(&id)
            .await
            .is_some_and(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    assert_eq!(eml_files(&app.mail_dir()).len(), 1);
    // Metrics live on their own address, not on the public API port.
    assert_eq!(app.get("/metrics").await.status(), 404);
    let metrics = app
        .fetch_text(&format!("http://{}/metrics", app.app.metrics_addr))
        .await;
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
    let ready = app.get("/readyz").await;
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
                app.customer_named(&format!("Bulk {i}"), &format!("bulk{i}@bulk.example"))
                    .await;
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

/// The addresses an email points at: `href`s of its HTML part and bare
/// `http(s)://` addresses of its text part.
fn links_in(raw: &[u8]) -> Vec<String> {
    let email = Email::parse(raw);
    let html = email.html.replace("&#x2f;", "/");
    let text = email.text;
    let mut links: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    links.extend(
        text.split_whitespace()
            .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
            .map(str::to_owned),
    );
    links
}

/// Every link of every kind of email opens a real page (DESIGN: an email
/// links only to pages that exist). The match is exhaustive: a new kind of
/// email must be added here.
#[tokio::test]
async fn every_link_in_every_kind_of_email_opens_a_real_page() {
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("PUBLIC_BASE_URL", "http://hub.test")]).await;
    let mut package: Option<String> = None;
    let mut follow_up_order: Option<String> = None;
    let mut closeout_order: Option<String> = None;
    let mut warranty_asset: Option<uuid::Uuid> = None;
    let mut engagement: Option<uuid::Uuid> = None;
    let mut delay: Option<uuid::Uuid> = None;
    let mut ticket: Option<TicketMail> = None;
    let mut sla_ticket: Option<uuid::Uuid> = None;
    let mut injury: Option<uuid::Uuid> = None;
    let mut recall: Option<uuid::Uuid> = None;
    for kind in <entity::NotificationKind as sea_orm::Iterable>::iter() {
        let raw = match kind {
            entity::NotificationKind::ShipmentShipped
            | entity::NotificationKind::ShipmentOutForDelivery
            | entity::NotificationKind::ShipmentAttemptFailed
            | entity::NotificationKind::ShipmentException
            | entity::NotificationKind::ShipmentDelayed
            | entity::NotificationKind::ShipmentDelivered => {
                shipment_email(&app, &mut package, kind).await
            }
            entity::NotificationKind::DeliveryFeedback
            | entity::NotificationKind::NextPurchaseOffer
            | entity::NotificationKind::ReviewRequest => {
                follow_up_email(&app, &mut follow_up_order, kind).await
            }
            // Purchasing's emails carry no links (checked in their mailer's tests).
            entity::NotificationKind::PurchaseOrder
            | entity::NotificationKind::PurchaseOrderCancelled
            | entity::NotificationKind::BackorderArrived => continue,
            // ADMIN's email about a disabled webhook subscription carries no
            // links (checked in its mailer's tests); tests/it/webhooks.rs
            // sends it from real rows.
            entity::NotificationKind::WebhookSubscriptionDisabled => continue,
            // The customer's renewal reminder carries its unsubscribe link;
            // the service team's emails carry none (sending them here checks
            // they render from real rows).
            entity::NotificationKind::WarrantyRenewal
            | entity::NotificationKind::WarrantyEnding
            | entity::NotificationKind::ServiceOnSite => {
                closeout_email(&app, &mut closeout_order, &mut warranty_asset, kind).await
            }
            // Neither carries a link (checked in their mailer's tests);
            // sending them here checks they go to whom they should and
            // render from real rows.
            entity::NotificationKind::EngagementStageStarted
            | entity::NotificationKind::EngagementStageOverdue => {
                engagement_email(&app, &mut engagement, kind).await
            }
            // Links only a version reference that is an http(s) address;
            // the one put to the customer here is a document reference.
            entity::NotificationKind::DeliverableAwaitingAcceptance => acceptance_email(&app).await,
            // Carries no link (checked in its mailer's tests); sending it
            // here checks it goes to the customer and renders from real rows.
            entity::NotificationKind::ScopeChangeDecided => Box::pin(scope_email(&app)).await,
            // Neither carries a link (checked in their mailer's tests);
            // sending them here checks they go to whom they should and
            // render from real rows.
            entity::NotificationKind::EngagementDelayed
            | entity::NotificationKind::EngagementEscalated => {
                // Boxed: the test's future is large enough already.
                Box::pin(delay_email(&app, &mut delay, kind)).await
            }
            // Its one link, the signed NPS page (boxed like its neighbours).
            // None carries a link (checked in their mailer's tests:
            // `no links`); sending them here checks they go to the
            // customer and render from real rows.
            entity::NotificationKind::TicketOpened
            | entity::NotificationKind::TicketReply
            | entity::NotificationKind::TicketResolved => {
                Box::pin(ticket_email(&app, &mut ticket, kind)).await
            }
            entity::NotificationKind::EngagementNpsSurvey => Box::pin(nps_email(&app)).await,
            // Staff emails without links (checked in their mailer's tests);
            // sending them here checks they go to whom they should and
            // render from real rows. Last in the loop: they move the clock.
            entity::NotificationKind::RecallNotice
            | entity::NotificationKind::RecallAcccReminder
            | entity::NotificationKind::RecallAcccOverdue => {
                Box::pin(crate::recalls::recall_email(&app, &mut recall, kind)).await
            }
            entity::NotificationKind::InjuryReportReminder
            | entity::NotificationKind::InjuryReportOverdue => {
                Box::pin(injury_email(&app, &mut injury, kind)).await
            }
            // A step of a claim and of a return, to their customer.
            entity::NotificationKind::ClaimUpdate => {
                Box::pin(crate::claims::claim_email(&app)).await
            }
            entity::NotificationKind::ReturnUpdate => {
                Box::pin(crate::returns::return_email(&app)).await
            }
            entity::NotificationKind::TicketSlaWarning
            | entity::NotificationKind::TicketSlaBreached => {
                Box::pin(sla_alarm_email(&app, &mut sla_ticket, kind)).await
            }
            entity::NotificationKind::Welcome => {
                let id = create_customer(&app, "Link Checker", Some("links@example.com")).await;
                wait_for("the welcome email recorded SENT", PATIENCE, async || {
                    app.notification_for(&id)
                        .await
                        .is_some_and(|n| n.status == entity::NotificationStatus::Sent)
                })
                .await;
                std::fs::read(&eml_files(&app.mail_dir())[0]).unwrap()
            }
            entity::NotificationKind::OrderConfirmation => {
                order_email(&app, 20, false, kind, "received").await
            }
            // Needed in two business days by express: at risk at once.
            entity::NotificationKind::OrderAtRisk => {
                order_email(&app, 2, false, kind, "may arrive late").await
            }
            // Needed the next business day: late on that day.
            entity::NotificationKind::OrderLate => {
                order_email(&app, 1, true, kind, "will arrive late").await
            }
            entity::NotificationKind::InvoiceIssued => invoice_email(&app).await,
            entity::NotificationKind::PaymentReceipt => receipt_email(&app).await,
            entity::NotificationKind::ApprovalReminder => {
                approval_email(&app, kind, "followUpAt", "Approval waiting").await
            }
            entity::NotificationKind::ApprovalEscalated => {
                let policy = app
                    .admin()
                    .data(ops::APPROVAL_POLICIES, json!({ "first": 10 }))
                    .await;
                let general = nodes(&policy)
                    .into_iter()
                    .find(|p| p["kind"] == "GENERAL")
                    .unwrap();
                let escalate = json!({ "kind": "GENERAL", "expectedVersion": general["version"],
                    "onDue": "ESCALATE", "escalateToRole": "ADMIN" });
                app.admin()
                    .data(ops::UPDATE_APPROVAL_POLICY, json!({ "input": escalate }))
                    .await;
                approval_email(&app, kind, "dueAt", "Escalated:").await
            }
        };
        for link in links_in(&raw) {
            // Links carry the public address; the page is served by this app.
            let local = link.replace("http://hub.test", &app.base_url);
            let status = app
                .client
                .get(&local)
                .send()
                .await
                .map(|r| r.status().as_u16());
            assert_eq!(status.ok(), Some(200), "{kind:?} email links to {link}");
        }
    }
}

/// Place an order by express for a customer with an address, needed
/// `business_days` from today (on the app clock), then, when `on_the_day`,
/// move the clock to that day; the `kind` email whose subject ends with
/// `subject_ends`.
async fn order_email(
    app: &TestApp,
    business_days: u32,
    on_the_day: bool,
    kind: entity::NotificationKind,
    subject_ends: &str,
) -> Vec<u8> {
    let calendar = app.app.state.calendar.current();
    let today = calendar.local_date(app.clock.now_utc());
    let required = calendar.add_business_days(today, business_days);
    let staff = app.as_role(Role::Fulfilment);
    let product = staff
        .data(
            tests::Op {
                field: "createProduct",
                document: "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }",
            },
            json!({ "input": { "sku": format!("LINK-{required}"), "name": "Lamp", "taxCode": "TAXABLE", "price": "49.00", "weightGrams": 800 } }),
        )
        .await["product"]["id"]
        .clone();
    let customer = create_customer(
        app,
        "Order Links",
        Some(&format!("links-{required}@example.com")),
    )
    .await;
    let placed = staff
        .data(
            tests::Op {
                field: "placeOrder",
                document: "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }",
            },
            json!({ "input": { "customerId": customer, "lines": [{ "productId": product, "quantity": 1 }],
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                "requiredDeliveryDate": required.to_string(), "shippingSpeed": "EXPRESS" } }),
        )
        .await;
    let id = placed["order"]["id"].as_str().unwrap().to_owned();
    if on_the_day {
        app.clock
            .set(calendar.open_at(required) + chrono::Duration::hours(1));
    }
    app.sent_notification(kind, &id).await;
    written_email(app, |subject| subject.ends_with(subject_ends))
}

/// Stock one product, order it and have the reservation approved at once
/// (under $500): the order, its tax invoice's id and the warehouse.
async fn invoiced_order(app: &TestApp, sku: &str) -> (String, String, String) {
    use tests::shop::{op, place, product, reserve, warehouse};
    let location = warehouse(app).await;
    let lamp = product(app, &location, sku, "49.00", "TAXABLE", true).await;
    let customer = create_customer(app, "Invoice Links", Some(&format!("{sku}@example.com"))).await;
    let order = place(app, &customer, &[(&lamp, 1)], None).await;
    reserve(app, &order).await;
    let invoice = app
        .admin()
        .data(
            op(
                "order",
                "query($id: ID!) { order(id: $id) { invoice { id } } }",
            ),
            json!({ "id": order }),
        )
        .await["invoice"]["id"]
        .as_str()
        .expect("the order was invoiced")
        .to_owned();
    (order, invoice, location)
}

/// The tax invoice email the system sends when an order is invoiced.
async fn invoice_email(app: &TestApp) -> Vec<u8> {
    let (_, invoice, _) = invoiced_order(app, "invoice-links").await;
    app.sent_notification(entity::NotificationKind::InvoiceIssued, &invoice)
        .await;
    written_email(app, |subject| subject.starts_with("Tax invoice INV-"))
}

/// The receipt of a card payment (under $200: approved at once).
async fn receipt_email(app: &TestApp) -> Vec<u8> {
    let (order, _, _) = invoiced_order(app, "receipt-links").await;
    let paid = app
        .admin()
        .data(
            tests::shop::op("capturePayment", "mutation($id: ID!) { capturePayment(input: { orderId: $id, method: CARD, cardNumber: \"4242424242424242\" }) { payment { id } userErrors { code } } }"),
            json!({ "id": order }),
        )
        .await;
    let payment = paid["payment"]["id"].as_str().expect("captured").to_owned();
    app.sent_notification(entity::NotificationKind::PaymentReceipt, &payment)
        .await;
    written_email(app, |subject| subject.starts_with("Receipt for order"))
}

/// A package shipped once (paid, packed, labelled by the simulated courier
/// and picked up: its SHIPPED email is real), then the email of `kind` about
/// it, caused as its tracking events cause them (a `shipment.notice` event).
async fn shipment_email(
    app: &TestApp,
    package: &mut Option<String>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use tests::fulfil::{capture, line_ids, ship};
    if package.is_none() {
        let (order, _, location) = invoiced_order(app, "shipment-links").await;
        capture(app, &order).await;
        let line = line_ids(app, &order).await.remove(0);
        let (id, _) = ship(app, &order, &location, &[(&line, 1)], "A").await;
        *package = Some(id);
    }
    let id = package.clone().unwrap();
    if kind != entity::NotificationKind::ShipmentShipped {
        record_notice(app, "shipment.notice", &id, kind).await;
    }
    app.sent_email(kind, &id).await
}

/// Record a `topic` event about `subject` asking for the email of `kind`.
async fn record_notice(app: &TestApp, topic: &str, subject: &str, kind: entity::NotificationKind) {
    let payload = json!({ "kind": kind }).to_string();
    app.record_event(topic, uuid::Uuid::parse_str(subject).unwrap(), &payload)
        .await;
}

/// The customer of `order` consents to each of `purposes`.
async fn consent_to(app: &TestApp, order: &str, purposes: &[&str]) {
    use tests::shop::op;
    let customer = app
        .admin()
        .data(
            op(
                "order",
                "query($id: ID!) { order(id: $id) { customer { id } } }",
            ),
            json!({ "id": order }),
        )
        .await["customer"]["id"]
        .as_str()
        .expect("the order's customer")
        .to_owned();
    for purpose in purposes {
        app.admin()
            .give_consent(&customer, purpose, "checkout checkbox")
            .await;
    }
}

/// An order whose customer consented to every commercial purpose, then the
/// after-delivery email of `kind` about it, as its follow-up event causes it.
async fn follow_up_email(
    app: &TestApp,
    order: &mut Option<String>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    if order.is_none() {
        let (id, _, _) = invoiced_order(app, "follow-up-links").await;
        consent_to(app, &id, &["OFFERS", "REVIEW_REQUESTS"]).await;
        *order = Some(id);
    }
    let id = order.clone().unwrap();
    record_notice(app, "order.follow_up", &id, kind).await;
    app.sent_email(kind, &id).await
}

/// An invoiced order once (its customer consented to RENEWALS, a
/// DELIVERY_TEAM login exists), then the closeout email of `kind`, caused as
/// delivery causes it: WARRANTY_RENEWAL (to the customer) and
/// WARRANTY_ENDING (to the service team) both by the reminder timer of an
/// asset the order left (written here, the customer's, under warranty for
/// 30 more days; fired once for both), SERVICE_ON_SITE by an
/// `order.on_site` event.
async fn closeout_email(
    app: &TestApp,
    order: &mut Option<String>,
    asset: &mut Option<uuid::Uuid>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    if order.is_none() {
        let (id, _, _) = invoiced_order(app, "closeout-links").await;
        let team = app
            .admin()
            .create_user(json!({ "email": "service-team@harbour.example", "password": "a long enough password", "role": "DELIVERY_TEAM" }))
            .await;
        assert!(tests::user_errors(&team).is_empty(), "{team}");
        consent_to(app, &id, &["RENEWALS"]).await;
        *order = Some(id);
    }
    let order_id = uuid::Uuid::parse_str(order.as_deref().unwrap()).unwrap();
    let subject = if kind == entity::NotificationKind::ServiceOnSite {
        app.record_event("order.on_site", order_id, "{}").await;
        order_id
    } else if let Some(id) = *asset {
        // The timer already fired: it sent both warranty emails.
        id
    } else {
        let customer_id = entity::sales_order::Entity::find_by_id(order_id)
            .one(app.db())
            .await
            .unwrap()
            .expect("the order")
            .customer_id;
        assert!(customer_id.is_some(), "the order has a customer");
        let line = entity::order_line::Entity::find()
            .filter(entity::order_line::Column::OrderId.eq(order_id))
            .one(app.db())
            .await
            .unwrap()
            .expect("the order has a line");
        let now = app.clock.now_utc();
        let today = now.date_naive();
        let row = entity::customer_asset::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            customer_id: Set(customer_id),
            order_id: Set(order_id),
            order_line_id: Set(line.id),
            product_id: Set(line.product_id),
            serial: Set("SN-LINKS-1".into()),
            quantity: Set(1),
            delivered_on: Set(today),
            warranty_starts_on: Set(today),
            warranty_ends_on: Set(Some(today + chrono::Days::new(30))),
            created_at: Set(now),
        }
        .insert(app.db())
        .await
        .unwrap();
        let fired = domain::business_time::timers::TimerFired {
            timer_id: uuid::Uuid::now_v7(),
            kind: domain::closeout::timer_kind::WARRANTY_REMINDER.into(),
            subject_id: row.id,
            generation: 1,
            payload: json!({}),
        };
        let payload = serde_json::to_string(&fired).unwrap();
        app.record_event("timer.fired", row.id, &payload).await;
        *asset = Some(row.id);
        row.id
    };
    let raw = app.sent_email(kind, &subject.to_string()).await;
    let unsubscribe = Email::parse(&raw).unsubscribe;
    let customer = "closeout-links@example.com";
    let recipients: Vec<String> = app
        .notifications_of(kind, &subject.to_string())
        .await
        .into_iter()
        .map(|n| n.recipient)
        .collect();
    match kind {
        // Commercial, to the customer alone, with its unsubscribe headers.
        entity::NotificationKind::WarrantyRenewal => {
            assert_eq!(recipients, [customer], "{kind:?}");
            assert!(unsubscribe, "{kind:?} has List-Unsubscribe");
        }
        // Internal, to the service team, never to the customer.
        entity::NotificationKind::WarrantyEnding => {
            assert!(
                recipients
                    .iter()
                    .any(|r| r == "service-team@harbour.example"),
                "{recipients:?}"
            );
            assert!(!recipients.iter().any(|r| r == customer), "{recipients:?}");
            assert!(!unsubscribe, "{kind:?} is not commercial");
        }
        _ => assert!(!unsubscribe, "{kind:?} is not commercial"),
    }
    raw
}

/// A service-delivery engagement once (its customer has an address, its
/// team one PROJECT_MANAGER, who owns Kickoff), set up and started through
/// the domain as the API does, then the engagement email of `kind`, caused
/// as the engagement causes it: ENGAGEMENT_STAGE_STARTED (to the customer)
/// by starting it, ENGAGEMENT_STAGE_OVERDUE (to the stage's owners) by its
/// stage-due timer, fired by moving the clock past Kickoff's due time.
/// Both are about Kickoff's stage entry.
async fn engagement_email(
    app: &TestApp,
    engagement: &mut Option<uuid::Uuid>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use domain::engagements::{self, MemberInput, StageNotice};
    use sea_orm::EntityTrait;
    let customer = "engagement-links@example.com";
    let pm = "pm-links@harbour.example";
    let ctx = app.system_ctx();
    if engagement.is_none() {
        let pm_id = tests::engagements::staff(app, pm, "PROJECT_MANAGER").await;
        let (_, mut new) = linked_engagement(
            app,
            ("Engagement & <Links>", customer),
            "Links <check>",
            "SOW-LINKS-1",
        )
        .await;
        new.team = vec![MemberInput {
            user_id: uuid::Uuid::parse_str(&pm_id).unwrap(),
        }];
        let id = set_up(app, &ctx, new).await;
        let calendar = app.app.state.calendar.current();
        engagements::start(app.db(), &ctx, &calendar, id)
            .await
            .expect("the engagement starts");
        *engagement = Some(id);
    }
    let id = engagement.unwrap();
    let kickoff = StageNotice {
        stage_index: 0,
        round: 0,
    };
    let entry = engagements::stage_entry(app.db(), id, kickoff)
        .await
        .unwrap()
        .expect("Kickoff was entered");
    if kind == entity::NotificationKind::EngagementStageOverdue {
        let row = entity::engagement::Entity::find_by_id(id)
            .one(app.db())
            .await
            .unwrap()
            .expect("the engagement");
        assert_eq!(row.stage_due_at, Some(entry.due_at));
        app.clock.set(entry.due_at + chrono::Duration::minutes(1));
    }
    let subject = entry.id.to_string();
    let sent = wait_for_value(&format!("the {kind:?} email"), PATIENCE, async || {
        let planned = app.notifications_of(kind, &subject).await;
        let all_sent = !planned.is_empty()
            && planned
                .iter()
                .all(|n| n.status == entity::NotificationStatus::Sent);
        all_sent.then_some(planned)
    })
    .await;
    let recipients: Vec<&str> = sent.iter().map(|n| n.recipient.as_str()).collect();
    let (raw, message) = not_commercial(app, &sent[0], kind);
    let title = &message.subject;
    if kind == entity::NotificationKind::EngagementStageStarted {
        assert_eq!(recipients, [customer], "{kind:?}");
        assert!(
            title.starts_with("ENG-") && title.ends_with(" Links <check>: Kickoff has started"),
            "{title}"
        );
    } else {
        // The Kickoff owner on the team, never the customer; flagged once.
        assert_eq!(recipients, [pm], "{kind:?}");
        assert!(
            title.starts_with("ENG-") && title.ends_with(": Kickoff is overdue"),
            "{title}"
        );
        let row = entity::engagement::Entity::find_by_id(id)
            .one(app.db())
            .await
            .unwrap()
            .expect("the engagement");
        assert!(row.stage_overdue, "flagged");
        let body = &message.text;
        assert!(
            body.contains("Kickoff meeting completed"),
            "still missing: {body}"
        );
    }
    raw
}

/// The NPS survey email of a closed engagement. Closing walks every stage
/// (tests/engagement_reports.rs does, with the closure mutations); here the
/// engagement is closed as closure leaves it and its closure event
/// recorded, so the worker sends the survey from real rows.
async fn nps_email(app: &TestApp) -> Vec<u8> {
    use domain::engagements::Closed;
    use domain::platform::outbox::topic;
    use sea_orm::{ActiveModelTrait, Set, Unchanged};
    let customer = "nps-links@example.com";
    let ctx = app.system_ctx();
    let (_, new) = linked_engagement(
        app,
        ("NPS & <Links>", customer),
        "NPS <check>",
        "SOW-LINKS-3",
    )
    .await;
    let id = set_up(app, &ctx, new).await;
    entity::engagement::ActiveModel {
        id: Unchanged(id),
        status: Set(entity::EngagementStatus::Closed),
        closed_at: Set(Some(app.clock.now_utc())),
        ..Default::default()
    }
    .update(app.db())
    .await
    .expect("the engagement closed");
    let closed = serde_json::to_string(&Closed { engagement_id: id }).unwrap();
    app.record_event(topic::ENGAGEMENT_CLOSED, id, &closed)
        .await;
    let kind = entity::NotificationKind::EngagementNpsSurvey;
    let (raw, message) = customer_email(app, kind, &id.to_string(), customer).await;
    let title = &message.subject;
    assert!(
        title.starts_with("ENG-")
            && title.ends_with(" NPS <check> is complete: would you recommend us?"),
        "{title}"
    );
    let links = links_in(&raw);
    assert_eq!(links.len(), 2, "one link, in both parts: {links:?}");
    assert!(
        links
            .iter()
            .all(|l| l.starts_with("http://hub.test/links/nps/")),
        "{links:?}"
    );
    raw
}

/// A service-delivery engagement of its own (its customer has an address)
/// walked through the domain as the API does (as the system, an ADMIN) to
/// Customer Review and Acceptance: a deliverable added and its version 1 (a
/// document reference) submitted in Execution, passed in Quality Review,
/// and put to the customer. The customer rejects it with feedback (a
/// revision round back to Execution), and version 2 goes the same way. Each
/// round's DELIVERABLE_AWAITING_ACCEPTANCE email goes to the customer once,
/// about that round's approval; the second round's email.
async fn acceptance_email(app: &TestApp) -> Vec<u8> {
    use domain::approvals::{self, Decision};
    use domain::engagements::{self, deliverables};
    use sea_orm::EntityTrait;
    let customer = "acceptance-links@example.com";
    let ctx = app.system_ctx();
    let calendar = app.app.state.calendar.current();
    let (customer_id, new) = linked_engagement(
        app,
        ("Acceptance & <Links>", customer),
        "Acceptance <check>",
        "SOW-LINKS-2",
    )
    .await;
    let id = set_up(app, &ctx, new).await;
    engagements::start(app.db(), &ctx, &calendar, id)
        .await
        .expect("the engagement starts");
    let kind = entity::NotificationKind::DeliverableAwaitingAcceptance;
    let mut deliverable = None;
    let mut emails = Vec::new();
    for version in 1..=2 {
        let asked = walk_to_acceptance(app, &ctx, id, &mut deliverable, version).await;
        deliverables::request_acceptance(app.db(), &ctx, &calendar, asked)
            .await
            .expect("acceptance is requested");
        let approval = entity::deliverable::Entity::find_by_id(asked)
            .one(app.db())
            .await
            .unwrap()
            .and_then(|d| d.approval_id)
            .expect("the deliverable's approval");
        let (raw, message) = customer_email(app, kind, &approval.to_string(), customer).await;
        let title = &message.subject;
        assert!(
            title.starts_with("ENG-")
                && title.ends_with(&format!(
                    ": Online order form (version {version}) awaits your acceptance"
                )),
            "{title}"
        );
        let body = message.text;
        assert!(
            body.lines()
                .any(|l| l.trim_end() == format!("Where to find it: DOC-LINKS-{version}")),
            "{body}"
        );
        assert!(
            body.contains("Orders for pickup in under two minutes"),
            "{body}"
        );
        emails.push((approval, raw, body));
        if version == 1 {
            // Rejected with feedback: a revision round back to Execution.
            let party = uuid::Uuid::parse_str(&customer_id).unwrap();
            let as_customer = acting_as(
                app,
                "acceptance-links-customer",
                entity::Role::Customer,
                Some(party),
            );
            let decision = Decision {
                id: approval,
                verdict: entity::Verdict::Reject,
                comment: Some("Add a gluten-free filter".into()),
                evidence: None,
            };
            approvals::decide(app.db(), &as_customer, &decision)
                .await
                .expect("the customer rejects it");
        }
    }
    assert_ne!(emails[0].0, emails[1].0, "a new approval each round");
    assert!(
        emails[1].2.contains("Add a gluten-free filter"),
        "the feedback: {}",
        emails[1].2
    );
    // One email per round, however often its event is handled.
    for (approval, _, _) in &emails {
        let planned = app.notifications_of(kind, &approval.to_string()).await;
        assert_eq!(planned.len(), 1, "{planned:?}");
    }
    emails.pop().unwrap().1
}

/// Walk engagement `id` (as `ctx`, an ADMIN) to the stage where its
/// customer accepts deliverables: each stage's decisions answered so that it
/// proceeds and its outputs done; where deliverables are made, `deliverable`
/// added (once) and its version `version` submitted (`DOC-LINKS-<version>`);
/// where they are reviewed, passed on the template's checklist. The
/// deliverable's id.
async fn walk_to_acceptance(
    app: &TestApp,
    ctx: &domain::Ctx,
    id: uuid::Uuid,
    deliverable: &mut Option<uuid::Uuid>,
    version: i32,
) -> uuid::Uuid {
    use domain::engagements::deliverables::{self, Check, NewDeliverable, NewReview, NewVersion};
    use domain::engagements::template::{Consequence, DeliverableGate};
    use domain::engagements::{self, DecisionInput, OutputInput};
    let calendar = app.app.state.calendar.current();
    loop {
        let found = engagements::find(app.db(), id)
            .await
            .unwrap()
            .expect("the engagement");
        let template = engagements::template(app.db(), found.engagement.template_id)
            .await
            .unwrap()
            .expect("its template");
        let definition = &template.definition;
        let stage = definition
            .stage(found.engagement.stage_index as usize)
            .expect("a stage of the template")
            .clone();
        match stage.gate {
            Some(DeliverableGate::Accepted) => return deliverable.expect("a deliverable"),
            Some(DeliverableGate::Submitted) => {
                if deliverable.is_none() {
                    let input = NewDeliverable {
                        engagement_id: id,
                        name: "Online order form".into(),
                        acceptance_criteria: "Orders for pickup in under two minutes".into(),
                    };
                    deliverables::add(app.db(), ctx, &input)
                        .await
                        .expect("the deliverable is added");
                    let rows = deliverables::of_engagements(app.db(), &[id]).await.unwrap();
                    *deliverable = Some(rows[&id][0].deliverable.id);
                }
                let input = NewVersion {
                    deliverable_id: deliverable.unwrap(),
                    reference: format!("DOC-LINKS-{version}"),
                    note: None,
                };
                deliverables::submit_version(app.db(), ctx, &input)
                    .await
                    .expect("the version is submitted");
            }
            Some(DeliverableGate::Reviewed) => {
                let input = NewReview {
                    deliverable_id: deliverable.expect("a deliverable"),
                    checklist: definition
                        .quality_checklist
                        .iter()
                        .map(|item| Check {
                            item: item.clone(),
                            passed: true,
                        })
                        .collect(),
                    metrics: vec![("defects found".into(), "0".into())],
                    findings: None,
                };
                deliverables::review(app.db(), ctx, &calendar, &input)
                    .await
                    .expect("the version passes review");
            }
            None => {}
        }
        for point in &stage.decisions {
            let input = DecisionInput {
                engagement_id: id,
                decision_key: point.key.clone(),
                answer: point.consequence(true) == Consequence::Proceed,
                note: None,
                revised_end_date: None,
                actions: vec![],
            };
            engagements::record_decision(app.db(), ctx, &calendar, &input)
                .await
                .expect("the decision is answered");
        }
        let done = found.done(&stage.key);
        for output in stage.outputs.iter().filter(|o| !done.contains(&o.key)) {
            let input = OutputInput {
                engagement_id: id,
                output_key: output.key.clone(),
                evidence: "DOC-LINKS evidence".into(),
            };
            engagements::complete_output(app.db(), ctx, &input)
                .await
                .expect("the output is done");
        }
        engagements::advance(app.db(), ctx, &calendar, id)
            .await
            .unwrap_or_else(|e| panic!("{} is left: {e:?}", stage.name));
    }
}

/// The raw email in the mail folder whose subject `matches`.
fn written_email(app: &TestApp, matches: impl Fn(&str) -> bool) -> Vec<u8> {
    eml_files(&app.mail_dir())
        .into_iter()
        .map(|f| std::fs::read(f).unwrap())
        .find(|raw| {
            let message = mail_parser::MessageParser::default().parse(raw).unwrap();
            message.subject().is_some_and(&matches)
        })
        .expect("the email was written")
}

/// Raise a GENERAL approval, move the clock past its `moment` (follow-up or
/// due time) and return the `kind` email an ADMIN login gets, once sent.
async fn approval_email(
    app: &TestApp,
    kind: entity::NotificationKind,
    moment: &str,
    subject_starts: &str,
) -> Vec<u8> {
    app.admin()
        .data(
            ops::CREATE_USER,
            json!({ "input": { "email": format!("{moment}@harbour.example"), "password": "a long enough password", "role": "ADMIN" } }),
        )
        .await;
    let requested = app
        .person("requester", tests::Role::Fulfilment)
        .data(
            ops::REQUEST_APPROVAL,
            json!({ "input": { "kind": "GENERAL", "subjectType": "supplier", "subjectId": uuid::Uuid::now_v7(), "reason": "New supplier" } }),
        )
        .await;
    let approval = &requested["approval"];
    let id = approval["id"].as_str().unwrap().to_owned();
    let at = chrono::DateTime::parse_from_rfc3339(approval[moment].as_str().unwrap()).unwrap();
    app.clock.set(at.to_utc() + chrono::Duration::minutes(1));
    wait_for("the approval email recorded SENT", PATIENCE, async || {
        let sent = app.notifications_of(kind, &id).await;
        !sent.is_empty()
            && sent
                .iter()
                .all(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    written_email(app, |subject| subject.starts_with(subject_starts))
}

#[test]
fn links_are_found_in_both_parts() {
    let raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee https://hub.test/a here\r\n--B\r\nContent-Type: text/html\r\n\r\n<a href=\"https://hub.test/b\">b</a>\r\n--B--\r\n";
    assert_eq!(links_in(raw), ["https://hub.test/b", "https://hub.test/a"]);
}

/// A significant delay once (of a service-delivery engagement of its own,
/// whose customer has an address, with an ADMIN login to escalate to),
/// recorded through the domain as the API does; then the email of `kind`
/// it caused: ENGAGEMENT_DELAYED to the customer (about the delay) or
/// ENGAGEMENT_ESCALATED to ADMIN (about the escalation).
async fn delay_email(
    app: &TestApp,
    delay: &mut Option<uuid::Uuid>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use domain::engagements::{self, delays};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let customer = "delay-links@example.com";
    let admin = "admin-links@harbour.example";
    let ctx = app.system_ctx();
    let calendar = app.app.state.calendar.current();
    if delay.is_none() {
        tests::engagements::staff(app, admin, "ADMIN").await;
        let (_, new) = linked_engagement(
            app,
            ("Delay & <Links>", customer),
            "Delay <check>",
            "SOW-LINKS-3",
        )
        .await;
        let id = set_up(app, &ctx, new).await;
        let found = engagements::find(app.db(), id).await.unwrap().unwrap();
        let template = engagements::template(app.db(), found.engagement.template_id)
            .await
            .unwrap()
            .unwrap();
        let end = engagements::plan::end(&calendar, &found.engagement, &template.definition);
        let new = delays::NewDelay {
            engagement_id: id,
            revised_end_date: Some(calendar.add_business_days(end, 10)),
            reason: "Supplier <late> & sorry".into(),
            mitigation: "A second team".into(),
        };
        let recorded = Box::pin(delays::record_delay(app.db(), &ctx, &calendar, &new))
            .await
            .expect("the delay is recorded");
        *delay = Some(recorded.value.record.id);
    }
    let delay_id = delay.unwrap();
    let (subject, to) = if kind == entity::NotificationKind::EngagementDelayed {
        (delay_id, customer)
    } else {
        let escalation = entity::engagement_escalation::Entity::find()
            .filter(entity::engagement_escalation::Column::DelayId.eq(delay_id))
            .one(app.db())
            .await
            .unwrap()
            .expect("a significant delay escalates");
        (escalation.id, admin)
    };
    let subject = subject.to_string();
    let sent = app.sent_notification_to(kind, &subject, to).await;
    let (raw, message) = not_commercial(app, &sent, kind);
    let title = &message.subject;
    if kind == entity::NotificationKind::EngagementDelayed {
        assert!(title.contains("Delay <check>: revised timeline"), "{title}");
    } else {
        assert!(title.starts_with("Escalated: ENG-"), "{title}");
        assert!(
            app.notifications_of(kind, &subject)
                .await
                .iter()
                .all(|n| n.recipient != customer),
            "never to the customer"
        );
    }
    raw
}

/// Ask for a scope change of a new engagement and approve it as a project
/// manager: the SCOPE_CHANGE_DECIDED email its customer gets, once sent.
async fn scope_email(app: &TestApp) -> Vec<u8> {
    use domain::approvals::{self, Decision};
    use domain::engagements::scope;
    let customer = "scope-links@example.com";
    let ctx = app.system_ctx();
    let calendar = app.app.state.calendar.current();
    let (_, mut new) = linked_engagement(
        app,
        ("Scope & <Links>", customer),
        "Scope <check>",
        "SOW-LINKS-3",
    )
    .await;
    new.fees = vec![domain::engagements::fees::FeeLineInput {
        description: "Implementation".into(),
        amount: "1000.00".into(),
        tax_code: None,
    }];
    let id = set_up(app, &ctx, new).await;
    let change = scope::NewScopeChange {
        engagement_id: id,
        description: "Add a gift card page".into(),
        cost_impact: "250.00".into(),
        schedule_impact_days: 2,
        risk_impact: "None".into(),
    };
    let (_, change) = scope::request_scope_change(app.db(), &ctx, &calendar, &change)
        .await
        .expect("the scope change is asked for")
        .value;
    let pm = acting_as(app, "scope-links-pm", entity::Role::ProjectManager, None);
    let decision = Decision {
        id: change.approval_id,
        verdict: entity::Verdict::Approve,
        comment: Some("Agreed".into()),
        evidence: None,
    };
    approvals::decide(app.db(), &pm, &decision)
        .await
        .expect("a project manager approves it");
    let kind = entity::NotificationKind::ScopeChangeDecided;
    let (raw, message) = customer_email(app, kind, &change.id.to_string(), customer).await;
    let title = &message.subject;
    assert!(
        title.starts_with("ENG-") && title.ends_with(" Scope <check>: scope change 1 approved"),
        "{title}"
    );
    let body = &message.text;
    assert!(body.contains("Total ex-GST: $1,250.00"), "{body}");
    raw
}

/// The records a ticket's emails are about: the ticket, a staff reply and
/// the resolving history step.
struct TicketMail {
    ticket: uuid::Uuid,
    reply: uuid::Uuid,
    resolution: uuid::Uuid,
}

/// A ticket opened by its customer, answered and resolved (once), and the
/// email of `kind` about it, checked to reach the customer.
async fn ticket_email(
    app: &TestApp,
    state: &mut Option<TicketMail>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use domain::support::{self, NewReply, NewTicket};
    let customer = "ticket-links@example.com";
    if state.is_none() {
        let customer_id = create_customer(app, "Ticket & <Links>", Some(customer)).await;
        let party = uuid::Uuid::parse_str(&customer_id).unwrap();
        let as_customer = acting_as(
            app,
            "ticket-links-customer",
            entity::Role::Customer,
            Some(party),
        );
        let staff = acting_as(app, "ticket-links-staff", entity::Role::DeliveryTeam, None);
        let new = NewTicket {
            customer_id: None,
            subject: "Links <check>".into(),
            description: "Does it link?".into(),
            priority: entity::TicketPriority::Medium,
            category: "links".into(),
            order_id: None,
            engagement_id: None,
        };
        let opened = support::open(app.db(), &as_customer, &new)
            .await
            .expect("the customer opens a ticket")
            .value;
        let reply = NewReply {
            ticket_id: opened.id,
            body: "It does not.".into(),
            internal: false,
        };
        let replied = support::reply(app.db(), &staff, &reply)
            .await
            .expect("staff reply")
            .value;
        let resolved = support::change_status(
            app.db(),
            &staff,
            opened.id,
            entity::TicketStatus::Resolved,
            replied.ticket.version,
        )
        .await
        .expect("staff resolve it")
        .value;
        let history = support::history_of(app.db(), &[resolved.id])
            .await
            .unwrap()
            .remove(&resolved.id)
            .unwrap();
        *state = Some(TicketMail {
            ticket: opened.id,
            reply: replied.message.id,
            resolution: history.last().unwrap().id,
        });
    }
    let mail = state.as_ref().unwrap();
    let subject = match kind {
        entity::NotificationKind::TicketOpened => mail.ticket,
        entity::NotificationKind::TicketReply => mail.reply,
        _ => mail.resolution,
    }
    .to_string();
    let sent = app.sent_notification(kind, &subject).await;
    assert_eq!(sent.recipient, customer, "{kind:?}");
    let raw = app.email_with_id(&sent.message_id);
    let title = Email::parse(&raw).subject;
    assert!(
        title.starts_with("TKT-") && title.ends_with("Links <check>"),
        "{title}"
    );
    raw
}

/// A HIGH ticket assigned to a staff login (once), the clock moved to its
/// first response's warning or breach, and the email of `kind` about that
/// alarm, checked to reach the assignee (warning) or an ADMIN (breach).
async fn sla_alarm_email(
    app: &TestApp,
    state: &mut Option<uuid::Uuid>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let assignee = "sla-assignee@example.com";
    if state.is_none() {
        let user = tests::engagements::staff(app, assignee, "DELIVERY_TEAM").await;
        tests::engagements::staff(app, "sla-boss@example.com", "ADMIN").await;
        let customer = create_customer(app, "SLA & <Links>", Some("sla-links@example.com")).await;
        let ticket = tests::support::open_ticket(app, &customer, "HIGH").await;
        let assigned = app
            .as_role(Role::DeliveryTeam)
            .data(
                tests::Op {
                    field: "assignTicket",
                    document: "mutation($input: AssignTicketInput!) { assignTicket(input: $input) { ticket { id } userErrors { field code message } } }",
                },
                json!({ "input": { "ticketId": ticket["id"], "assigneeId": user, "expectedVersion": ticket["version"] } }),
            )
            .await;
        assert!(tests::user_errors(&assigned).is_empty(), "{assigned}");
        *state = Some(uuid::Uuid::parse_str(ticket["id"].as_str().unwrap()).unwrap());
    }
    let ticket = state.unwrap();
    let (timer_kind, alarm) = match kind {
        entity::NotificationKind::TicketSlaWarning => (
            domain::support::alarms::timer_kind::WARNING_FIRST_RESPONSE,
            entity::SlaAlarmKind::Warning,
        ),
        _ => (
            domain::support::alarms::timer_kind::BREACH_FIRST_RESPONSE,
            entity::SlaAlarmKind::Breach,
        ),
    };
    // Its moment: the timer planned for it.
    let planned = entity::timer::Entity::find()
        .filter(entity::timer::Column::Status.eq(entity::TimerStatus::Planned));
    move_clock_to_timer(app, planned, timer_kind, ticket).await;
    let told = wait_for_value(&format!("the {alarm} alarm"), PATIENCE, async || {
        entity::ticket_sla_alarm::Entity::find()
            .filter(entity::ticket_sla_alarm::Column::TicketId.eq(ticket))
            .filter(entity::ticket_sla_alarm::Column::Alarm.eq(alarm))
            .one(app.db())
            .await
            .unwrap()
    })
    .await;
    let sent = app.sent_notification(kind, &told.id.to_string()).await;
    if alarm == entity::SlaAlarmKind::Warning {
        assert_eq!(sent.recipient, assignee, "{kind:?}");
    } else {
        let admins = domain::users::emails_of_role(app.db(), entity::Role::Admin)
            .await
            .unwrap();
        assert!(
            admins.contains(&sent.recipient),
            "{kind:?} to {}",
            sent.recipient
        );
    }
    let raw = app.email_with_id(&sent.message_id);
    let title = Email::parse(&raw).subject;
    assert!(
        title.starts_with("TKT-") && title.contains(": first response "),
        "{title}"
    );
    raw
}

/// A mandatory injury report about a product sold today (once), the clock
/// moved to its reminder or overdue timer, and the email of `kind` about
/// it, checked to reach COMPLIANCE (reminder) or ADMIN (overdue).
async fn injury_email(
    app: &TestApp,
    state: &mut Option<uuid::Uuid>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    if state.is_none() {
        tests::engagements::staff(app, "injury-compliance@example.com", "COMPLIANCE").await;
        tests::engagements::staff(app, "injury-admin@example.com", "ADMIN").await;
        let location = tests::shop::warehouse(app).await;
        let product =
            tests::shop::product(app, &location, "INJ-LINK", "10.00", "TAXABLE", true).await;
        let customer =
            create_customer(app, "Injury & <Links>", Some("injury-links@example.com")).await;
        tests::shop::place(app, &customer, &[(&product, 1)], None).await;
        let today = app
            .clock
            .now_utc()
            .with_timezone(&chrono_tz::Australia::Sydney)
            .date_naive();
        let reported = app
            .as_role(Role::Compliance)
            .data(
                tests::Op {
                    field: "reportInjury",
                    document: "mutation($input: ReportInjuryInput!) { reportInjury(input: $input) { injuryReport { id } userErrors { field code message } } }",
                },
                json!({ "input": { "productId": product, "supplyDetails": "Sold online", "incidentOn": today.to_string(),
                    "incidentPlace": "Home <kitchen>", "affectedPerson": "A customer", "severity": "SERIOUS_INJURY",
                    "actionsTaken": "Sales stopped", "awareOn": today.to_string() } }),
            )
            .await;
        assert!(tests::user_errors(&reported).is_empty(), "{reported}");
        let id = reported["injuryReport"]["id"].as_str().unwrap();
        *state = Some(uuid::Uuid::parse_str(id).unwrap());
    }
    let report = state.unwrap();
    let (timer_kind, role) = match kind {
        entity::NotificationKind::InjuryReportReminder => (
            domain::safety::injuries::timer_kind::REMINDER,
            entity::Role::Compliance,
        ),
        _ => (
            domain::safety::injuries::timer_kind::OVERDUE,
            entity::Role::Admin,
        ),
    };
    move_clock_to_timer(
        app,
        <entity::timer::Entity as sea_orm::EntityTrait>::find(),
        timer_kind,
        report,
    )
    .await;
    let sent = app.sent_notification(kind, &report.to_string()).await;
    let staff = domain::users::emails_of_role(app.db(), role).await.unwrap();
    assert!(
        staff.contains(&sent.recipient),
        "{kind:?} to {}",
        sent.recipient
    );
    let raw = app.email_with_id(&sent.message_id);
    let title = Email::parse(&raw).subject;
    assert!(
        title.starts_with("INJ-") && title.contains("mandatory injury report"),
        "{title}"
    );
    raw
}

/// Move the clock to the due time (if not past) of the one timer among
/// `timers` of `timer_kind` about `subject`.
async fn move_clock_to_timer(
    app: &TestApp,
    timers: sea_orm::Select<entity::timer::Entity>,
    timer_kind: &str,
    subject: uuid::Uuid,
) {
    use sea_orm::{ColumnTrait, QueryFilter};
    let planned = timers
        .filter(entity::timer::Column::Kind.eq(timer_kind))
        .filter(entity::timer::Column::SubjectId.eq(subject))
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("a {timer_kind} timer planned"));
    app.clock.set(planned.due_at.max(app.clock.now_utc()));
}

/// A new customer (name, address) and, for them, a service-delivery
/// engagement starting today, named `name` under `scope_reference`, with no
/// team and no fees (yet): the customer's id and the engagement to set up.
async fn linked_engagement(
    app: &TestApp,
    (customer_name, email): (&str, &str),
    name: &str,
    scope_reference: &str,
) -> (String, NewEngagement) {
    let customer_id = create_customer(app, customer_name, Some(email)).await;
    let new = NewEngagement {
        customer_id: uuid::Uuid::parse_str(&customer_id).unwrap(),
        template_key: domain::engagements::template::SERVICE_DELIVERY.into(),
        name: name.into(),
        scope_reference: scope_reference.into(),
        planned_start: app.clock.now_utc().date_naive(),
        team: vec![],
        fees: vec![],
    };
    (customer_id, new)
}

/// Set `new` up through the domain as the API does (as `ctx`); its id.
async fn set_up(app: &TestApp, ctx: &domain::Ctx, new: NewEngagement) -> uuid::Uuid {
    // Boxed: the futures of the tests calling it are large enough already.
    Box::pin(domain::engagements::create(app.db(), ctx, &new))
        .await
        .expect("the engagement is set up")
        .value
        .engagement
        .id
}

/// `id` acting as `role` (for the customer `party`) on the app's clock.
fn acting_as(
    app: &TestApp,
    id: &str,
    role: entity::Role,
    party: Option<uuid::Uuid>,
) -> domain::Ctx {
    domain::Ctx {
        actor: domain::Actor {
            id: id.into(),
            role,
            party,
        },
        clock: std::sync::Arc::new(app.clock.clone()),
    }
}

/// The email `sent` wrote, checked not to be commercial (no
/// List-Unsubscribe): raw and read.
fn not_commercial(
    app: &TestApp,
    sent: &entity::notification::Model,
    kind: entity::NotificationKind,
) -> (Vec<u8>, Email) {
    let raw = app.email_with_id(&sent.message_id);
    let message = Email::parse(&raw);
    assert!(!message.unsubscribe, "{kind:?} is not commercial");
    (raw, message)
}

/// The email of `kind` about `subject` once sent, checked to go to
/// `customer` and not to be commercial: raw and read.
async fn customer_email(
    app: &TestApp,
    kind: entity::NotificationKind,
    subject: &str,
    customer: &str,
) -> (Vec<u8>, Email) {
    let sent = app.sent_notification(kind, subject).await;
    assert_eq!(sent.recipient, customer, "{kind:?}");
    not_commercial(app, &sent, kind)
}
