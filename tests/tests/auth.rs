//! Logins, tokens, roles and ownership through the real server.

use domain::Role;
use serde_json::{Value, json};
use tests::TestApp;

const CREATE_CUSTOMER: &str = r#"mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } } }"#;
const CREATE_USER: &str = r#"mutation($input: CreateUserInput!) {
  createUser(input: $input) { user { id email role disabled } userErrors { field code message } } }"#;
const LOGIN: &str = r#"mutation($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) { token expiresAt user { id role } userErrors { field code } } }"#;
const ME: &str = "{ me { id role customerId user { email customer { name } } } }";

async fn new_customer(app: &TestApp, name: &str) -> String {
    let body = app
        .gql_ok(CREATE_CUSTOMER, json!({ "input": { "name": name } }))
        .await;
    body["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

#[tokio::test]
async fn without_a_token_only_public_fields_answer() {
    let app = TestApp::spawn().await;
    let body = app
        .gql_as(None, "{ customers { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert_eq!(body["data"], Value::Null);
    let body = app.gql_as(None, ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let body = app
        .gql_as(
            None,
            LOGIN,
            json!({ "email": "nobody@example.com", "password": "whatever-password" }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["login"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
    assert_eq!(body["data"]["login"]["userErrors"][0]["field"], Value::Null);
}

#[tokio::test]
async fn malformed_forged_and_expired_tokens_are_refused_before_anything_runs() {
    let app = TestApp::spawn().await;
    let forged = api::auth::issue_token(
        "some-other-secret-some-other-secret-xyz",
        "attacker",
        Role::Admin,
        None,
        app.clock.now_utc(),
        chrono::Duration::hours(1),
    );
    let expired = api::auth::issue_token(
        &app.app.state.config.jwt_secret,
        "late",
        Role::Admin,
        None,
        app.clock.now_utc() - chrono::Duration::hours(2),
        chrono::Duration::hours(1),
    );
    for token in ["garbage", "a.b.c", forged.as_str(), expired.as_str()] {
        // Refused at the door: nothing executes, nothing is written.
        let response = app
            .client
            .post(format!("{}/graphql", app.base_url))
            .bearer_auth(token)
            .json(&json!({ "query": CREATE_CUSTOMER, "variables": { "input": { "name": "X" } } }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{token}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(app.count(entity::party::Entity).await, 0);

    // A token that was valid stops working once the clock passes its expiry.
    let token = api::auth::issue_token(
        &app.app.state.config.jwt_secret,
        "soon-expired",
        Role::Admin,
        None,
        app.clock.now_utc(),
        chrono::Duration::hours(1),
    );
    assert!(
        app.gql_as(Some(&token), ME, json!({}))
            .await
            .get("errors")
            .is_none()
    );
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        code(&app.gql_as(Some(&token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_customer_sees_only_itself_and_cannot_call_staff_mutations() {
    let app = TestApp::spawn().await;
    let mine = new_customer(&app, "Mine Pty Ltd").await;
    let theirs = new_customer(&app, "Theirs Pty Ltd").await;
    let token = app.token_for(Role::Customer, Some(mine.parse().unwrap()));
    let as_customer = |q: &'static str, v: Value| {
        let token = token.clone();
        let app = &app;
        async move { app.gql_as(Some(&token), q, v).await }
    };

    let q = "query($id: ID!) { customer(id: $id) { id name } }";
    let own = as_customer(q, json!({ "id": mine })).await;
    assert_eq!(own["data"]["customer"]["name"], "Mine Pty Ltd");
    let other = as_customer(q, json!({ "id": theirs })).await;
    assert!(other.get("errors").is_none());
    assert_eq!(
        other["data"]["customer"],
        Value::Null,
        "another customer's record looks missing"
    );
    let missing = as_customer(q, json!({ "id": uuid::Uuid::now_v7().to_string() })).await;
    assert_eq!(missing["data"]["customer"], Value::Null);

    let list = as_customer(
        "{ customers(first: 100) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        list["data"]["customers"]["edges"],
        json!([{ "node": { "id": mine } }])
    );
    let searched = as_customer(
        r#"{ customers(search: "theirs") { edges { node { id } } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(searched["data"]["customers"]["edges"], json!([]));

    let trail = as_customer(
        "query($id: ID!) { auditTrail(subjectId: $id) { edges { node { action } } } }",
        json!({ "id": theirs }),
    )
    .await;
    assert_eq!(trail["data"]["auditTrail"]["edges"], json!([]));
    let own_trail = as_customer(
        "query($id: ID!) { auditTrail(subjectId: $id) { edges { node { action } } } }",
        json!({ "id": mine }),
    )
    .await;
    assert_eq!(
        own_trail["data"]["auditTrail"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let create = as_customer(CREATE_CUSTOMER, json!({ "input": { "name": "Sneaky" } })).await;
    assert_eq!(code(&create), "FORBIDDEN");
    let update = as_customer(
        r#"mutation($id: ID!) { updateCustomer(input: { id: $id, expectedVersion: 1, name: "Hijack" }) { customer { id } } }"#,
        json!({ "id": theirs }),
    )
    .await;
    assert_eq!(code(&update), "FORBIDDEN");
    let user = as_customer(
        CREATE_USER,
        json!({ "input": { "email": "x@y.com.au", "password": "long-enough-password", "role": "ADMIN" } }),
    )
    .await;
    assert_eq!(code(&user), "FORBIDDEN");
    assert_eq!(app.count(entity::party::Entity).await, 2);
}

#[tokio::test]
async fn staff_roles_without_the_permission_get_forbidden() {
    let app = TestApp::spawn().await;
    let token = app.token_for(Role::Fulfilment, None);
    let body = app
        .gql_as(
            Some(&token),
            CREATE_USER,
            json!({ "input": { "email": "x@y.com.au", "password": "long-enough-password", "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let body = app
        .gql_as(
            Some(&token),
            CREATE_CUSTOMER,
            json!({ "input": { "name": "Allowed" } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn login_me_and_disable() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, "Harbour Homewares").await;
    let created = app
        .gql_ok(
            CREATE_USER,
            json!({ "input": { "email": "Buyer@Harbour.com.au", "password": "correct horse battery", "role": "CUSTOMER", "partyId": customer } }),
        )
        .await["createUser"]
        .clone();
    assert_eq!(created["userErrors"], json!([]));
    assert_eq!(created["user"]["email"], "buyer@harbour.com.au");
    let user_id = created["user"]["id"].as_str().unwrap().to_owned();

    let refused = app
        .gql_ok(CREATE_USER, json!({ "input": { "email": "buyer@harbour.com.au", "password": "short", "role": "CUSTOMER" } }))
        .await["createUser"]["userErrors"]
        .clone();
    let codes: Vec<_> = refused
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].clone())
        .collect();
    assert_eq!(codes, vec![json!("WEAK_PASSWORD"), json!("REQUIRED")]);
    let taken = app
        .gql_ok(CREATE_USER, json!({ "input": { "email": "BUYER@harbour.com.au", "password": "another long password", "role": "FINANCE" } }))
        .await["createUser"]["userErrors"]
        .clone();
    assert_eq!(taken[0]["code"], "EMAIL_TAKEN");

    let wrong = app
        .gql_as(
            None,
            LOGIN,
            json!({ "email": "buyer@harbour.com.au", "password": "wrong password!!" }),
        )
        .await;
    assert_eq!(
        wrong["data"]["login"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
    assert_eq!(wrong["data"]["login"]["token"], Value::Null);

    let login = app
        .gql_as(
            None,
            LOGIN,
            json!({ "email": "buyer@harbour.com.au", "password": "correct horse battery" }),
        )
        .await["data"]["login"]
        .clone();
    let token = login["token"].as_str().expect("token").to_owned();
    assert_eq!(login["user"]["role"], "CUSTOMER");
    let me = app.gql_as(Some(&token), ME, json!({})).await["data"]["me"].clone();
    assert_eq!(me["id"], user_id);
    assert_eq!(me["role"], "CUSTOMER");
    assert_eq!(me["customerId"], customer);
    assert_eq!(me["user"]["customer"]["name"], "Harbour Homewares");

    let disabled = app
        .gql_ok(
            "mutation($id: ID!) { disableUser(input: { id: $id }) { user { disabled } userErrors { code } } }",
            json!({ "id": user_id }),
        )
        .await;
    assert_eq!(disabled["disableUser"]["user"]["disabled"], true);
    let after = app.gql_as(Some(&token), ME, json!({})).await;
    assert_eq!(
        code(&after),
        "UNAUTHENTICATED",
        "a disabled login's token is refused"
    );
    let again = app
        .gql_as(
            None,
            LOGIN,
            json!({ "email": "buyer@harbour.com.au", "password": "correct horse battery" }),
        )
        .await;
    assert_eq!(
        again["data"]["login"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
}

#[tokio::test]
async fn tokens_from_the_cli_are_accepted() {
    let app = TestApp::spawn().await;
    let out = std::process::Command::new(tests::api_binary())
        .env_clear()
        .args(["issue-token", "--role", "FINANCE", "--subject", "script"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let me = app.gql_as(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "FINANCE", "{me}");
    assert_eq!(me["data"]["me"]["id"], "script");

    let bad = std::process::Command::new(tests::api_binary())
        .env_clear()
        .args(["issue-token", "--role", "CUSTOMER", "--subject", "x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
