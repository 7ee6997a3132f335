//! `Idempotency-Key` on createCustomer.

use serde_json::{Value, json};
use tests::{TestApp, user_error_codes};

async fn create_with_key(app: &TestApp, key: &str, name: &str) -> Value {
    app.admin()
        .with_idempotency_key(key)
        .create_customer(json!({ "name": name, "email": "a@acme.com.au" }))
        .await
}

#[tokio::test]
async fn same_key_other_input_is_refused() {
    let app = TestApp::spawn().await;
    let first = create_with_key(&app, "key-1", "Acme").await;
    let other = create_with_key(&app, "key-1", "Acme Different").await;
    assert_eq!(other["customer"], Value::Null);
    assert_eq!(user_error_codes(&other), ["IDEMPOTENCY_KEY_REUSED"]);
    assert_eq!(app.count(entity::party::Entity).await, 1);
    assert_eq!(app.count(entity::outbox::Entity).await, 1);
    assert_eq!(app.count(entity::audit_entry::Entity).await, 1);

    // Another key is another request.
    let fresh = create_with_key(&app, "key-2", "Acme").await;
    assert_ne!(fresh["customer"]["id"], first["customer"]["id"]);
}
#[tokio::test]
async fn keys_expire_after_the_configured_time() {
    let app = TestApp::spawn_with(&[("IDEMPOTENCY_TTL_MINUTES", "60")]).await;
    let first = create_with_key(&app, "k", "Acme").await;
    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(
        create_with_key(&app, "k", "Acme").await["customer"]["id"],
        first["customer"]["id"]
    );
    app.clock.advance(chrono::Duration::minutes(2));
    let after = create_with_key(&app, "k", "Acme").await;
    assert_ne!(after["customer"]["id"], first["customer"]["id"]);
}

#[tokio::test]
async fn twenty_concurrent_replays_create_one_customer() {
    let app = TestApp::spawn().await;
    let results =
        futures::future::join_all((0..20).map(|_| create_with_key(&app, "burst", "Burst Pty Ltd")))
            .await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|r| {
            r["customer"]["id"]
                .as_str()
                .expect("every replay answers with the customer")
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(app.count(entity::party::Entity).await, 1);
    assert_eq!(app.count(entity::outbox::Entity).await, 1);
}
