//! Outbound webhooks (issue #33): a test receiver verifies the Standard
//! Webhooks signature of every delivery with the secret shown at creation;
//! an order placed reaches it as the API shows the order; a receiver that
//! fails twice gets the event once as a success with three attempts logged
//! (retries driven by the app clock); a dead delivery replays; rotation
//! invalidates the old secret; a subscription that keeps failing is
//! disabled and ADMIN emailed; a target resolving to a private address is
//! refused in production mode; bad input writes nothing.

use chrono::Duration as Span;
use serde_json::{Value, json};
use tests::fulfil::PATIENCE;
use tests::shop::{place, product, warehouse};
use tests::webhooks::{Received, Receiver};
use tests::{Op, Role, TestApp, input_error, input_path_error, nodes, user_errors, wait_for};

tests::op_const!(CREATE = "createWebhookSubscription": "mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { webhookSubscription { id url eventTypes secret active version } userErrors { field code message } } }");

tests::op_const!(UPDATE = "updateWebhookSubscription": "mutation($input: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(input: $input) { webhookSubscription { id active consecutiveFailures disabledAt version } userErrors { field code message } } }");

tests::op_const!(ROTATE = "rotateWebhookSecret": "mutation($id: ID!) { rotateWebhookSecret(input: { id: $id }) { webhookSubscription { id secret version } userErrors { field code message } } }");

tests::op_const!(SEND_TEST = "sendTestWebhook": "mutation($id: ID!) { sendTestWebhook(input: { subscriptionId: $id }) { webhookDelivery { id webhookId status eventType } userErrors { field code message } } }");

tests::op_const!(REPLAY = "replayWebhookDelivery": "mutation($id: ID!) { replayWebhookDelivery(input: { id: $id }) { webhookDelivery { id webhookId status attempts } userErrors { field code message } } }");

tests::op_const!(SUBSCRIPTIONS = "webhookSubscriptions": "query { webhookSubscriptions(first: 20) { edges { node { id secret active consecutiveFailures disabledAt disabledReason version } } } }");

tests::op_const!(DELIVERIES = "webhookDeliveries": "query($id: ID!, $filter: WebhookDeliveryFilter) { webhookDeliveries(subscriptionId: $id, filter: $filter, first: 50) { edges { node { id webhookId status attempts eventType body lastHttpStatus attemptLog { number time httpStatus latencyMs responseExcerpt error } } } } }");

tests::op_const!(EVENT_TYPES = "webhookEventTypes": "query { webhookEventTypes { types { type wireName description } } }");

/// Subscribe `url` to `types` as ADMIN; (id, secret shown once).
async fn subscribe(app: &TestApp, url: &str, types: &[&str]) -> (String, String) {
    let created = app
        .admin()
        .accepted(
            CREATE,
            json!({ "input": { "url": url, "eventTypes": types, "description": "CRM sync" } }),
        )
        .await;
    let s = &created["webhookSubscription"];
    assert_eq!(s["active"], true);
    let secret = s["secret"].as_str().expect("the secret, shown once");
    assert!(secret.starts_with("whsec_"), "{secret}");
    (s["id"].as_str().unwrap().to_owned(), secret.to_owned())
}

async fn deliveries(app: &TestApp, subscription: &str) -> Vec<Value> {
    nodes(
        &app.admin()
            .data(DELIVERIES, json!({ "id": subscription }))
            .await,
    )
}

/// The one delivery of a subscription once it has logged `attempts`
/// attempts. Read again after the attempt shows: a delivery and its log
/// are read by two queries, and the attempt row commits with the
/// delivery's new status, so the second read sees that status.
async fn after_attempts(app: &TestApp, subscription: &str, attempts: usize) -> Value {
    let logged = |d: &Value| d["attemptLog"].as_array().unwrap().len();
    wait_for(
        &format!("attempt {attempts} logged"),
        PATIENCE,
        async || {
            let all = deliveries(app, subscription).await;
            matches!(all.as_slice(), [one] if logged(one) == attempts)
        },
    )
    .await;
    let again = deliveries(app, subscription).await;
    assert_eq!(logged(&again[0]), attempts, "{again:?}");
    again[0].clone()
}

fn statuses(delivery: &Value) -> Vec<Value> {
    delivery["attemptLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["httpStatus"].clone())
        .collect()
}

fn answered(received: &[Received]) -> Vec<u16> {
    received.iter().map(|r| r.answered).collect()
}

async fn send_test(app: &TestApp, subscription: &str) -> Value {
    let sent = app
        .admin()
        .accepted(SEND_TEST, json!({ "id": subscription }))
        .await;
    assert_eq!(sent["webhookDelivery"]["eventType"], "WEBHOOK_TEST");
    sent["webhookDelivery"].clone()
}

#[tokio::test]
async fn a_placed_order_arrives_signed_as_the_api_shows_it() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let receiver = Receiver::start(&app.clock).await;
    // Enum and wire names both name an event type.
    let (id, secret) = subscribe(&app, &receiver.url, &["ORDER_PLACED", "invoice.issued"]).await;
    let (other, _) = subscribe(&app, &receiver.url, &["RECALL_STARTED"]).await;

    let location = warehouse(&app).await;
    let item = product(&app, &location, "HOOK-1", "110.00", "TAXABLE", true).await;
    let customer = app.customer_named("Hook Buyer", "hook@example.com").await;
    let order = place(&app, &customer, &[(&item, 2)], None).await;

    wait_for("the order.placed webhook", PATIENCE, async || {
        !receiver.received().is_empty()
    })
    .await;
    let delivery = after_attempts(&app, &id, 1).await;
    assert_eq!(delivery["status"], "SUCCEEDED");
    assert_eq!(delivery["eventType"], "ORDER_PLACED");
    assert_eq!(statuses(&delivery), [json!(200)]);
    let got = receiver.received();
    assert_eq!(got.len(), 1, "one delivery, to the subscription wanting it");
    let r = &got[0];
    assert!(r.verifies_with(&secret), "signature verifies: {r:?}");
    assert_eq!(r.webhook_id, delivery["webhookId"]);
    assert!(r.webhook_id.starts_with("msg_"));
    assert_eq!(r.content_type, "application/json");
    assert_eq!(
        r.body, delivery["body"],
        "the logged body is the bytes sent"
    );
    let body = r.json();
    assert_eq!(body["type"], "order.placed");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["data"]["id"], order.as_str());
    assert_eq!(body["data"]["customerId"], customer.as_str());
    assert_eq!(body["data"]["status"], "PLACED");
    assert!(body["data"]["number"].as_str().unwrap().starts_with("SO-"));
    assert_eq!(body["data"]["total"]["currency"], "AUD");
    let stored = <entity::sales_order::Entity as sea_orm::EntityTrait>::find_by_id(
        order.parse::<uuid::Uuid>().unwrap(),
    )
    .one(app.db())
    .await
    .unwrap()
    .unwrap();
    assert_eq!(body["data"]["number"], stored.number.as_str());
    let total = domain::rules::money::Money::from_cents(stored.total_cents).to_string();
    assert_eq!(body["data"]["total"]["amount"], total.as_str());
    assert!(deliveries(&app, &other).await.is_empty());

    // A redelivered event adds nothing: one delivery per event per subscription.
    let rows = app.outbox_rows(&order).await;
    let event = rows.iter().find(|r| r.topic == "webhook.event").unwrap();
    let again = domain::webhooks::events::WebhookEvent {
        event_type: entity::WebhookEventType::OrderPlaced,
        subject_id: event.subject_id,
        occurred_at: app.clock.now_utc(),
    };
    let added =
        domain::webhooks::deliveries::fan_out(app.db(), event.id, &again, app.clock.now_utc())
            .await
            .unwrap();
    assert_eq!(added, 0);
    assert_eq!(deliveries(&app, &id).await.len(), 1);

    let catalogue = app.admin().data(EVENT_TYPES, json!({})).await;
    let types = catalogue["types"].as_array().unwrap();
    assert!(types.len() >= 12);
    assert!(types.iter().any(|t| t["type"] == "ORDER_PLACED"
        && t["wireName"] == "order.placed"
        && t["description"].as_str().unwrap().contains("data")));
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_once_as_a_success_after_three_attempts() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let receiver = Receiver::start(&app.clock).await;
    let (id, secret) = subscribe(&app, &receiver.url, &["order.shipped"]).await;
    receiver.fail_next(2, 500);
    send_test(&app, &id).await;

    let first = after_attempts(&app, &id, 1).await;
    assert_eq!(first["status"], "PENDING", "500 is retried");
    // The first retry waits about 5 s on the app clock (±20 %).
    app.clock.advance(Span::seconds(7));
    let second = after_attempts(&app, &id, 2).await;
    assert_eq!(second["status"], "PENDING");
    // The second waits about 5 minutes.
    app.clock.advance(Span::minutes(7));
    let third = after_attempts(&app, &id, 3).await;
    let got = receiver.received();
    assert_eq!(third["status"], "SUCCEEDED", "{third:#} {got:?}");
    assert_eq!(statuses(&third), [json!(500), json!(500), json!(200)]);
    assert_eq!(third["lastHttpStatus"], 200);
    let log = third["attemptLog"].as_array().unwrap();
    assert_eq!(log[0]["responseExcerpt"], "answered 500");
    assert!(log.iter().all(|a| a["latencyMs"].as_i64().unwrap() >= 0));

    let got = receiver.received();
    assert_eq!(answered(&got), [500, 500, 200], "exactly one success");
    assert!(got.iter().all(|r| r.verifies_with(&secret)), "{got:?}");
    assert!(
        got.iter().all(|r| r.webhook_id == got[0].webhook_id),
        "same webhook-id"
    );
    assert!(got.iter().all(|r| r.body == got[0].body), "same body");
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert!(
        got[1].timestamp > got[0].timestamp,
        "each attempt signed anew"
    );
    // Nothing more is sent once it succeeded: past every retry time, a
    // second event is sent (so a sweep ran) and it is the only new request.
    app.clock.advance(Span::hours(30));
    send_test(&app, &id).await;
    wait_for("the second event sent", PATIENCE, async || {
        receiver.received().len() >= 4
    })
    .await;
    let got = receiver.received();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_ne!(got[3].webhook_id, got[0].webhook_id, "not the first again");
}

#[tokio::test]
async fn a_dead_delivery_replays_with_the_same_webhook_id_and_succeeds() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let receiver = Receiver::start(&app.clock).await;
    let (id, secret) = subscribe(&app, &receiver.url, &["ORDER_SHIPPED"]).await;
    receiver.always_fail(503);
    let sent = send_test(&app, &id).await;
    let attempts = domain::rules::webhooks::MAX_ATTEMPTS as usize;
    for n in 1..attempts {
        let d = after_attempts(&app, &id, n).await;
        assert_eq!(d["status"], "PENDING", "attempt {n}");
        // The longest wait is 10 h (+20 % jitter).
        app.clock.advance(Span::hours(13));
    }
    let dead = after_attempts(&app, &id, attempts).await;
    assert_eq!(dead["status"], "DEAD");
    let replaying = app
        .admin()
        .accepted(REPLAY, json!({ "id": id_of_delivery(&dead) }))
        .await;
    assert_eq!(replaying["webhookDelivery"]["status"], "PENDING");

    receiver.succeed();
    let replayed = after_attempts(&app, &id, attempts + 1).await;
    assert_eq!(replayed["status"], "SUCCEEDED");
    assert_eq!(replayed["webhookId"], sent["webhookId"]);
    assert_eq!(replayed["attemptLog"][attempts]["number"], attempts + 1);
    let got = receiver.received();
    assert_eq!(got.len(), attempts + 1);
    assert_eq!(got.last().unwrap().answered, 200);
    assert!(got.iter().all(|r| r.verifies_with(&secret)));
    assert!(got.iter().all(|r| r.webhook_id == got[0].webhook_id));

    // A delivery that succeeded is not replayed.
    app.admin()
        .refused(
            REPLAY,
            json!({ "id": id_of_delivery(&replayed) }),
            "id",
            "INVALID_STATE",
        )
        .await;
    let filtered = nodes(
        &app.admin()
            .data(
                DELIVERIES,
                json!({ "id": id, "filter": { "status": "DEAD" } }),
            )
            .await,
    );
    assert!(filtered.is_empty());
}

fn id_of_delivery(d: &Value) -> String {
    d["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn rotation_signs_with_the_new_secret_and_not_the_old() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let receiver = Receiver::start(&app.clock).await;
    let (id, old) = subscribe(&app, &receiver.url, &["ORDER_PLACED"]).await;
    send_test(&app, &id).await;
    after_attempts(&app, &id, 1).await;
    assert!(receiver.received()[0].verifies_with(&old));

    let rotated = app.admin().accepted(ROTATE, json!({ "id": id })).await;
    let new = rotated["webhookSubscription"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(rotated["webhookSubscription"]["version"], 2);
    // Shown once: never in a later read.
    let listed = nodes(&app.admin().data(SUBSCRIPTIONS, json!({})).await);
    assert_eq!(listed[0]["secret"], Value::Null);

    send_test(&app, &id).await;
    wait_for("the second delivery", PATIENCE, async || {
        receiver.received().len() == 2
    })
    .await;
    let after = &receiver.received()[1];
    assert!(after.verifies_with(&new), "verifies with the new secret");
    assert!(!after.verifies_with(&old), "the old secret stopped at once");
    let audit = app.audit_actions(&id).await;
    assert!(
        audit.contains(&"webhook.secret_rotated".to_owned()),
        "{audit:?}"
    );

    // Deleted: gone from the list, its delivery log kept.
    let deleted = app
        .admin()
        .accepted(
            Op {
                field: "deleteWebhookSubscription",
                document: "mutation($id: ID!) { deleteWebhookSubscription(input: { id: $id }) { webhookSubscription { id secret } userErrors { field code } } }",
            },
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["webhookSubscription"]["secret"], Value::Null);
    assert!(nodes(&app.admin().data(SUBSCRIPTIONS, json!({})).await).is_empty());
    assert_eq!(deliveries(&app, &id).await.len(), 2);
}

#[tokio::test]
async fn a_subscription_that_keeps_failing_is_disabled_and_admin_emailed_once() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let admin_user = app
        .admin()
        .create_user(json!({ "email": "ops@harbour.example.com", "password": "correct horse battery", "role": "ADMIN" }))
        .await;
    assert!(user_errors(&admin_user).is_empty(), "{admin_user}");
    let receiver = Receiver::start(&app.clock).await;
    let (id, _) = subscribe(&app, &receiver.url, &["ORDER_PLACED"]).await;
    receiver.always_fail(410);
    let threshold = domain::webhooks::DISABLE_AFTER as usize;
    for n in 1..=threshold {
        send_test(&app, &id).await;
        wait_for(&format!("failure {n}"), PATIENCE, async || {
            receiver.received().len() == n
        })
        .await;
    }
    let mut subscription = Value::Null;
    wait_for("the subscription disabled", PATIENCE, async || {
        subscription = nodes(&app.admin().data(SUBSCRIPTIONS, json!({})).await)[0].clone();
        subscription["active"] == false
    })
    .await;
    assert_eq!(subscription["consecutiveFailures"], threshold);
    assert!(subscription["disabledAt"].is_string());
    assert!(
        subscription["disabledReason"]
            .as_str()
            .unwrap()
            .contains("in a row"),
        "{subscription}"
    );
    let failed = nodes(
        &app.admin()
            .data(
                DELIVERIES,
                json!({ "id": id, "filter": { "status": "FAILED" } }),
            )
            .await,
    );
    assert_eq!(failed.len(), threshold, "a 410 fails at once");
    assert!(
        failed
            .iter()
            .all(|d| d["attemptLog"].as_array().unwrap().len() == 1)
    );
    let last = failed[0]["id"].as_str().unwrap().to_owned();
    let kind = entity::NotificationKind::WebhookSubscriptionDisabled;
    app.sent_notification_to(kind, &last, "ops@harbour.example.com")
        .await;
    // Disabled: a test event is planned but not sent. A probe through a
    // second, active subscription planned after it arrives (so a sweep ran
    // with both due) while the disabled one's stays unsent.
    send_test(&app, &id).await;
    receiver.succeed();
    let (probe, _) = subscribe(&app, &receiver.url, &["order.shipped"]).await;
    send_test(&app, &probe).await;
    wait_for("the probe sent", PATIENCE, async || {
        receiver.received().len() > threshold
    })
    .await;
    assert_eq!(receiver.received().len(), threshold + 1, "only the probe");
    // Activating it again clears the count and sends what waits.
    let version = subscription["version"].as_i64().unwrap();
    let activated = app
        .admin()
        .accepted(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": version, "active": true } }),
        )
        .await;
    assert_eq!(activated["webhookSubscription"]["consecutiveFailures"], 0);
    wait_for("the waiting test event sent", PATIENCE, async || {
        receiver.received().len() == threshold + 2
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let refused = admin
        .data(
            CREATE,
            json!({ "input": { "url": "not a url", "eventTypes": ["ORDER_PLACED", "order.exploded"], "description": "x".repeat(501) } }),
        )
        .await;
    assert_eq!(
        user_errors(&refused),
        [
            input_error("url", "OUT_OF_RANGE"),
            input_path_error("eventTypes.1", "OUT_OF_RANGE"),
            input_error("description", "TOO_LONG"),
        ]
    );
    let none = admin
        .data(
            CREATE,
            json!({ "input": { "url": "ftp://example.com/x", "eventTypes": [] } }),
        )
        .await;
    assert_eq!(
        user_errors(&none),
        [
            input_error("url", "OUT_OF_RANGE"),
            input_error("eventTypes", "REQUIRED"),
        ]
    );
    // Development still refuses private and metadata addresses.
    admin
        .refused(
            CREATE,
            json!({ "input": { "url": "http://169.254.169.254/latest", "eventTypes": ["ORDER_PLACED"] } }),
            "url",
            "OUT_OF_RANGE",
        )
        .await;
    assert_eq!(app.count(entity::webhook_subscription::Entity).await, 0);

    // ADMIN only.
    let body = app
        .as_role(Role::Finance)
        .run(
            CREATE,
            json!({ "input": { "url": "https://example.com/x", "eventTypes": ["ORDER_PLACED"] } }),
        )
        .await;
    assert_eq!(tests::error_code(&body).as_deref(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn production_refuses_http_and_targets_resolving_to_private_addresses() {
    let secret = "a-production-secret-of-at-least-32-characters";
    let (app, user) = TestApp::spawn_production(secret).await;
    assert!(app.app.state.config.is_production());
    // In production a token must name a login.
    let admin = app.person(&user, Role::Admin);
    // `10.1` is no IP literal to the URL check, but the resolver reads it
    // as 10.0.0.1: refused after resolution.
    for url in [
        "https://10.1:8443/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "http://example.com/hook",
    ] {
        let refused = admin
            .data(
                CREATE,
                json!({ "input": { "url": url, "eventTypes": ["ORDER_PLACED"] } }),
            )
            .await;
        assert_eq!(
            user_errors(&refused),
            [input_error("url", "OUT_OF_RANGE")],
            "{url}: {refused}"
        );
    }
    let resolved = admin
        .data(
            CREATE,
            json!({ "input": { "url": "https://10.1:8443/hook", "eventTypes": ["ORDER_PLACED"] } }),
        )
        .await;
    let message = resolved["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("10.0.0.1"), "{message}");
    assert_eq!(app.count(entity::webhook_subscription::Entity).await, 0);
}
