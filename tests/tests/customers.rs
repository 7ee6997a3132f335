//! The customer slice through the real server: the write pattern every
//! capability copies (validation, one transaction, audit, outbox, versions).

use entity::{audit_entry, outbox, party};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::TestApp;

const CREATE: &str = r#"
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id name email phone abn version }
    userErrors { field code message }
  }
}"#;

const UPDATE: &str = r#"
mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { id name email phone abn version }
    userErrors { field code message }
  }
}"#;

async fn create(app: &TestApp, input: Value) -> Value {
    app.gql_ok(CREATE, json!({ "input": input })).await["createCustomer"].clone()
}

#[tokio::test]
async fn a_bad_email_is_refused_with_field_and_code_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let payload = create(
        &app,
        json!({ "name": "Acme Pty Ltd", "email": "not-an-email" }),
    )
    .await;
    assert_eq!(payload["customer"], Value::Null);
    assert_eq!(
        payload["userErrors"],
        json!([{ "field": ["input", "email"], "code": "INVALID_EMAIL",
                 "message": "'not-an-email' is not a valid email address" }])
    );
    assert_eq!(app.count(party::Entity).await, 0);
    assert_eq!(app.count(audit_entry::Entity).await, 0);
    assert_eq!(app.count(outbox::Entity).await, 0);
}

#[tokio::test]
async fn every_bad_field_is_reported_together() {
    let app = TestApp::spawn().await;
    let payload = create(
        &app,
        json!({ "name": " ", "email": "x@", "phone": "123", "abn": "51 824 753 557" }),
    )
    .await;
    let codes: Vec<(Value, Value)> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (json!(["input", "name"]), json!("REQUIRED")),
            (json!(["input", "email"]), json!("INVALID_EMAIL")),
            (json!(["input", "phone"]), json!("INVALID_PHONE")),
            (json!(["input", "abn"]), json!("INVALID_ABN")),
        ]
    );
    assert_eq!(app.count(party::Entity).await, 0);
}

#[tokio::test]
async fn a_good_customer_writes_row_audit_entry_and_outbox_row() {
    let app = TestApp::spawn().await;
    let payload = create(
        &app,
        json!({ "name": "Acme Pty Ltd", "email": "Ops@Acme.com.au", "phone": "0412 345 678", "abn": "51 824 753 556" }),
    )
    .await;
    assert_eq!(payload["userErrors"], json!([]));
    let customer = &payload["customer"];
    assert_eq!(customer["email"], "Ops@acme.com.au");
    assert_eq!(customer["phone"], "+61412345678");
    assert_eq!(customer["abn"], "51824753556");
    assert_eq!(customer["version"], 1);
    let id = uuid::Uuid::parse_str(customer["id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 7, "ids are UUIDv7");

    let row = party::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.kind, entity::PartyKind::Customer);
    let audits = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectId.eq(id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].action, "customer.created");
    assert_eq!(audits[0].actor_id, "test-admin");
    assert_eq!(
        audits[0].occurred_at,
        tests::test_epoch(),
        "time comes from the app clock"
    );
    assert!(audits[0].before.is_none());
    let outbox_rows = outbox::Entity::find()
        .filter(outbox::Column::SubjectId.eq(id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(outbox_rows.len(), 1);
    assert_eq!(outbox_rows[0].topic, "customer.created");
    assert_eq!(outbox_rows[0].status, entity::OutboxStatus::Pending);
}

/// If any of the three writes fails, none of them stays: make the outbox insert
/// fail inside the database and check the customer and audit rows are gone
/// too, and the client sees INTERNAL with a request id and no SQL.
#[tokio::test]
async fn a_failure_inside_the_transaction_leaves_nothing_and_hides_the_cause() {
    let app = TestApp::spawn().await;
    let backend = app.db().get_database_backend();
    let statements: Vec<&str> = match backend {
        sea_orm::DatabaseBackend::Sqlite => vec![
            "CREATE TRIGGER test_break_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'secret sql detail'); END",
        ],
        _ => vec![
            "CREATE FUNCTION test_break_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'secret sql detail'; END $$",
            "CREATE TRIGGER test_break_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION test_break_outbox()",
        ],
    };
    for sql in statements {
        app.db().execute_unprepared(sql).await.unwrap();
    }
    let body = app
        .gql(
            CREATE,
            json!({ "input": { "name": "Doomed Pty Ltd", "email": "a@doomed.com.au" } }),
        )
        .await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{body:#}");
    assert!(error["extensions"]["requestId"].is_string());
    let text = body.to_string();
    assert!(
        !text.contains("secret sql detail") && !text.to_lowercase().contains("insert"),
        "{text}"
    );
    assert_eq!(app.count(party::Entity).await, 0);
    assert_eq!(app.count(audit_entry::Entity).await, 0);
    assert_eq!(app.count(outbox::Entity).await, 0);
}

#[tokio::test]
async fn update_with_current_version_changes_and_audits_and_stale_version_conflicts() {
    let app = TestApp::spawn().await;
    let created = create(
        &app,
        json!({ "name": "Acme", "email": "ops@acme.com.au", "phone": "0412345678" }),
    )
    .await;
    let id = created["customer"]["id"].as_str().unwrap().to_owned();

    let updated = app
        .gql_ok(UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "name": "Acme Group", "phone": null } }))
        .await["updateCustomer"]
        .clone();
    assert_eq!(updated["userErrors"], json!([]));
    assert_eq!(updated["customer"]["name"], "Acme Group");
    assert_eq!(updated["customer"]["phone"], Value::Null, "null clears");
    assert_eq!(
        updated["customer"]["email"], "ops@acme.com.au",
        "omitted stays"
    );
    assert_eq!(updated["customer"]["version"], 2);

    let stale = app
        .gql_ok(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Lost Write" } }),
        )
        .await["updateCustomer"]
        .clone();
    assert_eq!(stale["customer"], Value::Null);
    assert_eq!(stale["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(
        stale["userErrors"][0]["field"],
        json!(["input", "expectedVersion"])
    );

    let trail = app
        .gql_ok(
            r#"query($id: ID!) { auditTrail(subjectId: $id) { edges { node { action before after actorRole } } } }"#,
            json!({ "id": id }),
        )
        .await;
    let edges = trail["auditTrail"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2, "the stale write left no entry");
    assert_eq!(edges[0]["node"]["action"], "customer.created");
    assert_eq!(edges[1]["node"]["action"], "customer.updated");
    assert_eq!(edges[1]["node"]["before"]["name"], "Acme");
    assert_eq!(edges[1]["node"]["after"]["name"], "Acme Group");
    assert_eq!(edges[1]["node"]["after"]["version"], 2);
}

#[tokio::test]
async fn updating_a_missing_customer_is_not_found() {
    let app = TestApp::spawn().await;
    let payload = app
        .gql_ok(UPDATE, json!({ "input": { "id": uuid::Uuid::now_v7().to_string(), "expectedVersion": 1, "name": "X" } }))
        .await["updateCustomer"]
        .clone();
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
    let payload = app
        .gql_ok(
            UPDATE,
            json!({ "input": { "id": "nope", "expectedVersion": 1 } }),
        )
        .await["updateCustomer"]
        .clone();
    assert_eq!(payload["userErrors"][0]["code"], "INVALID_ID");
}

#[tokio::test]
async fn customers_page_forward_and_search_case_insensitively() {
    let app = TestApp::spawn().await;
    for (name, email) in [
        ("Alpha Traders", "a@alpha.com.au"),
        ("Beta 100% Goods", "b@beta.com.au"),
        ("Gamma Supplies", "sales@GAMMA.com.au"),
    ] {
        create(&app, json!({ "name": name, "email": email })).await;
    }
    let query = r#"query($first: Int, $after: String, $search: String) {
        customers(first: $first, after: $after, search: $search) {
          edges { cursor node { name } }
          pageInfo { hasNextPage hasPreviousPage endCursor }
        }
    }"#;
    let first = app.gql_ok(query, json!({ "first": 2 })).await["customers"].clone();
    let names: Vec<_> = first["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("Alpha Traders"), json!("Beta 100% Goods")]
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);

    let rest = app
        .gql_ok(
            query,
            json!({ "first": 2, "after": first["pageInfo"]["endCursor"] }),
        )
        .await["customers"]
        .clone();
    assert_eq!(rest["edges"].as_array().unwrap().len(), 1);
    assert_eq!(rest["edges"][0]["node"]["name"], "Gamma Supplies");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["pageInfo"]["hasPreviousPage"], true);

    let found = app.gql_ok(query, json!({ "search": "gamma" })).await["customers"].clone();
    assert_eq!(found["edges"].as_array().unwrap().len(), 1);
    // `%` is a literal, not a wildcard.
    let found = app.gql_ok(query, json!({ "search": "100%" })).await["customers"].clone();
    assert_eq!(found["edges"][0]["node"]["name"], "Beta 100% Goods");
    assert_eq!(found["edges"].as_array().unwrap().len(), 1);
    let found = app.gql_ok(query, json!({ "search": "%" })).await["customers"].clone();
    assert_eq!(found["edges"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn first_above_100_and_bad_cursors_are_refused() {
    let app = TestApp::spawn().await;
    let body = app
        .gql("{ customers(first: 101) { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body:#}"
    );
    let body = app
        .gql(
            "{ customers(first: 1000000) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let body = app
        .gql(
            r#"{ customers(after: "!!") { edges { cursor } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn a_customer_by_id_or_null() {
    let app = TestApp::spawn().await;
    let created = create(&app, json!({ "name": "Acme" })).await;
    let id = created["customer"]["id"].clone();
    let query = "query($id: ID!) { customer(id: $id) { name } }";
    assert_eq!(
        app.gql_ok(query, json!({ "id": id })).await["customer"]["name"],
        "Acme"
    );
    let missing = app
        .gql_ok(query, json!({ "id": uuid::Uuid::now_v7().to_string() }))
        .await;
    assert_eq!(missing["customer"], Value::Null);
}
