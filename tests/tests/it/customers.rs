//! The customer slice through the real server: what is particular to
//! customers. The checks every mutating area shares (nothing written on
//! refusal, row + audit + outbox together, rollback, CONFLICT, NOT_FOUND,
//! FORBIDDEN, paging, idempotent replay) run in `contract_customers.rs`.

use entity::party;
use serde_json::{Value, json};
use tests::{TestApp, id_of, input_error, nodes, user_errors};

#[tokio::test]
async fn a_bad_email_is_refused_with_field_code_and_message() {
    let app = TestApp::spawn().await;
    let payload = app
        .admin()
        .create_customer(json!({ "name": "Acme Pty Ltd", "email": "not-an-email" }))
        .await;
    assert_eq!(payload["customer"], Value::Null);
    assert_eq!(
        payload["userErrors"],
        json!([{ "field": ["input", "email"], "code": "INVALID_EMAIL",
                 "message": "'not-an-email' is not a valid email address" }])
    );
}

#[tokio::test]
async fn every_bad_field_is_reported_together() {
    let app = TestApp::spawn().await;
    let payload = app
        .admin()
        .create_customer(
            json!({ "name": " ", "email": "x@", "phone": "123", "abn": "51 824 753 557" }),
        )
        .await;
    assert_eq!(
        user_errors(&payload),
        vec![
            input_error("name", "REQUIRED"),
            input_error("email", "INVALID_EMAIL"),
            input_error("phone", "INVALID_PHONE"),
            input_error("abn", "INVALID_ABN"),
        ]
    );
    assert_eq!(app.count(party::Entity).await, 0);
}

#[tokio::test]
async fn names_with_line_breaks_or_control_characters_are_refused() {
    let app = TestApp::spawn().await;
    for name in ["Acme\r\nBcc: victim@example.com", "Tab\tName", "Nul\u{0}"] {
        let payload = app.admin().create_customer(json!({ "name": name })).await;
        assert_eq!(
            user_errors(&payload),
            vec![input_error("name", "INVALID_TEXT")],
            "{name:?}"
        );
    }
    assert_eq!(app.count(party::Entity).await, 0);
}

#[tokio::test]
async fn a_good_customer_is_normalised_and_recorded_as_the_caller_at_app_time() {
    let app = TestApp::spawn().await;
    let payload = app
        .admin()
        .create_customer(json!({ "name": "Acme Pty Ltd", "email": "Ops@Acme.com.au", "phone": "0412 345 678", "abn": "51 824 753 556" }))
        .await;
    assert_eq!(payload["userErrors"], json!([]));
    let customer = &payload["customer"];
    assert_eq!(customer["email"], "Ops@acme.com.au");
    assert_eq!(customer["phone"], "+61412345678");
    assert_eq!(customer["abn"], "51824753556");
    assert_eq!(customer["version"], 1);
    let id = id_of(customer);
    let uuid = uuid::Uuid::parse_str(&id).unwrap();
    assert_eq!(uuid.get_version_num(), 7, "ids are UUIDv7");

    use sea_orm::EntityTrait;
    let row = party::Entity::find_by_id(uuid)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.kind, entity::PartyKind::Customer);
    let audits = app.audit_entries(&id).await;
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].action, "customer.created");
    assert_eq!(audits[0].actor_id, "test-admin");
    assert_eq!(
        audits[0].occurred_at,
        tests::test_epoch(),
        "time comes from the app clock"
    );
    assert!(audits[0].before.is_none());
    let outbox_rows = app.outbox_rows(&id).await;
    assert_eq!(outbox_rows.len(), 1);
    assert_eq!(outbox_rows[0].topic, "customer.created");
    // Written PENDING; the relay (every 50 ms here) may have taken it already.
    use entity::OutboxStatus::{Pending, Relayed};
    assert!(
        matches!(outbox_rows[0].status, Pending | Relayed),
        "{:?}",
        outbox_rows[0]
    );
}

#[tokio::test]
async fn update_changes_given_fields_and_audits_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let id = admin
        .new_customer(json!({ "name": "Acme", "email": "ops@acme.com.au", "phone": "0412345678" }))
        .await;

    let updated = admin
        .update_customer(
            json!({ "id": id, "expectedVersion": 1, "name": "Acme Group", "phone": null }),
        )
        .await;
    assert_eq!(updated["userErrors"], json!([]));
    assert_eq!(updated["customer"]["name"], "Acme Group");
    assert_eq!(updated["customer"]["phone"], Value::Null, "null clears");
    assert_eq!(
        updated["customer"]["email"], "ops@acme.com.au",
        "omitted stays"
    );
    assert_eq!(updated["customer"]["version"], 2);

    let trail = nodes(&admin.audit_trail(&id).await);
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0]["action"], "customer.created");
    assert_eq!(trail[1]["action"], "customer.updated");
    assert_eq!(trail[1]["actorRole"], "ADMIN");
    assert_eq!(trail[1]["before"]["name"], "Acme");
    assert_eq!(trail[1]["after"]["name"], "Acme Group");
    assert_eq!(trail[1]["after"]["version"], 2);
}

#[tokio::test]
async fn updating_with_a_malformed_id_is_invalid_id() {
    let app = TestApp::spawn().await;
    let payload = app
        .admin()
        .update_customer(json!({ "id": "nope", "expectedVersion": 1 }))
        .await;
    assert_eq!(payload["userErrors"][0]["code"], "INVALID_ID");
}

#[tokio::test]
async fn customers_search_case_insensitively_with_literal_percent() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for (name, email) in [
        ("Alpha Traders", "a@alpha.com.au"),
        ("Beta 100% Goods", "b@beta.com.au"),
        ("Gamma Supplies", "sales@GAMMA.com.au"),
    ] {
        admin
            .new_customer(json!({ "name": name, "email": email }))
            .await;
    }
    let names = async |search: &str| -> Vec<Value> {
        nodes(&admin.customers(None, None, Some(search)).await)
            .iter()
            .map(|n| n["name"].clone())
            .collect()
    };
    assert_eq!(names("gamma").await, [json!("Gamma Supplies")]);
    // `%` is a literal, not a wildcard.
    assert_eq!(names("100%").await, [json!("Beta 100% Goods")]);
    assert_eq!(names("%").await, [json!("Beta 100% Goods")]);
}

#[tokio::test]
async fn a_customer_by_id_or_null() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let id = admin.new_customer(json!({ "name": "Acme" })).await;
    assert_eq!(admin.customer(&id).await["name"], "Acme");
    let missing = admin.customer(&uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(missing, Value::Null);
}

#[tokio::test]
async fn one_customer_per_email_address_compared_without_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let acme = admin
        .new_customer(json!({ "name": "Acme", "email": "ops@acme.com.au" }))
        .await;
    let bolt = admin
        .new_customer(json!({ "name": "Bolt", "email": "hello@bolt.com.au" }))
        .await;

    let again = admin
        .create_customer(json!({ "name": "Acme again", "email": "OPS@Acme.COM.AU" }))
        .await;
    assert_eq!(again["customer"], Value::Null);
    assert_eq!(user_errors(&again), [input_error("email", "EMAIL_TAKEN")]);
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(party::Entity::find().count(app.db()).await.unwrap(), 2);

    let moved = admin
        .update_customer(json!({ "id": bolt, "expectedVersion": 1, "email": "Ops@acme.com.au" }))
        .await;
    assert_eq!(user_errors(&moved), [input_error("email", "EMAIL_TAKEN")]);
    assert_eq!(admin.customer(&bolt).await["email"], "hello@bolt.com.au");
    // A customer keeps its own address, in another case too.
    let kept = admin
        .update_customer(json!({ "id": acme, "expectedVersion": 1, "email": "OPS@acme.com.au" }))
        .await;
    assert_eq!(kept["userErrors"], json!([]));
    assert_eq!(kept["customer"]["email"], "OPS@acme.com.au");
    // Customers without an email are not one address.
    for name in ["Walk-in one", "Walk-in two"] {
        admin.new_customer(json!({ "name": name })).await;
    }
}
