//! Logins, tokens, roles and ownership through the real server.

use serde_json::{Value, json};
use tests::{Role, TestApp, error_code, nodes, ops, user_error_codes, user_errors};

/// `createUser` variables for a new ADMIN login.
fn an_admin_login() -> Value {
    json!({ "input": { "email": "x@y.com.au", "password": "long-enough-password", "role": "ADMIN" } })
}

fn code(body: &Value) -> String {
    error_code(body).unwrap_or_else(|| "<none>".into())
}

#[tokio::test]
async fn without_a_token_only_public_fields_answer() {
    let app = TestApp::spawn().await;
    let anonymous = app.anonymous();
    let body = anonymous.run(ops::CUSTOMERS, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert_eq!(body["data"], Value::Null);
    let body = anonymous.run(ops::ME, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let login = anonymous
        .login("nobody@example.com", "whatever-password")
        .await;
    assert_eq!(
        user_errors(&login),
        [(vec![], "INVALID_CREDENTIALS".into())]
    );
    assert_eq!(login["userErrors"][0]["field"], Value::Null);
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
            .json(&json!({ "query": ops::CREATE_CUSTOMER.document, "variables": { "input": { "name": "X" } } }))
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
        .json(&json!({ "query": ops::ME.document }))
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
    let caller = app.with_token(&token);
    assert_eq!(caller.me().await["id"], "soon-expired");
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        code(&caller.run(ops::ME, json!({})).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_customer_sees_only_itself_and_cannot_call_staff_mutations() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let mine = admin.new_customer(json!({ "name": "Mine Pty Ltd" })).await;
    let theirs = admin
        .new_customer(json!({ "name": "Theirs Pty Ltd" }))
        .await;
    let customer = app.as_customer(&mine);

    assert_eq!(customer.customer(&mine).await["name"], "Mine Pty Ltd");
    assert_eq!(
        customer.customer(&theirs).await,
        Value::Null,
        "another customer's record looks missing"
    );
    let missing = customer.customer(&uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(missing, Value::Null);

    let ids = |connection: Value| -> Vec<Value> {
        nodes(&connection).iter().map(|n| n["id"].clone()).collect()
    };
    assert_eq!(
        ids(customer.customers(Some(100), None, None).await),
        [json!(mine)]
    );
    assert!(ids(customer.customers(None, None, Some("theirs")).await).is_empty());

    assert_eq!(customer.audit_trail(&theirs).await["edges"], json!([]));
    assert_eq!(nodes(&customer.audit_trail(&mine).await).len(), 1);

    let create = customer
        .run(
            ops::CREATE_CUSTOMER,
            json!({ "input": { "name": "Sneaky" } }),
        )
        .await;
    assert_eq!(code(&create), "FORBIDDEN");
    let update = customer
        .run(
            ops::UPDATE_CUSTOMER,
            json!({ "input": { "id": theirs, "expectedVersion": 1, "name": "Hijack" } }),
        )
        .await;
    assert_eq!(code(&update), "FORBIDDEN");
    let user = customer.run(ops::CREATE_USER, an_admin_login()).await;
    assert_eq!(code(&user), "FORBIDDEN");
    assert_eq!(app.count(entity::party::Entity).await, 2);
}

#[tokio::test]
async fn staff_roles_without_the_permission_get_forbidden() {
    let app = TestApp::spawn().await;
    let fulfilment = app.as_role(Role::Fulfilment);
    let body = fulfilment.run(ops::CREATE_USER, an_admin_login()).await;
    assert_eq!(code(&body), "FORBIDDEN");
    let payload = fulfilment
        .create_customer(json!({ "name": "Allowed" }))
        .await;
    assert_eq!(payload["userErrors"], json!([]));
}

#[tokio::test]
async fn login_me_and_disable() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let anonymous = app.anonymous();
    let customer = admin
        .new_customer(json!({ "name": "Harbour Homewares" }))
        .await;
    let created = admin
        .create_user(json!({ "email": "Buyer@Harbour.com.au", "password": "correct horse battery", "role": "CUSTOMER", "partyId": customer }))
        .await;
    assert_eq!(created["userErrors"], json!([]));
    assert_eq!(created["user"]["email"], "buyer@harbour.com.au");
    let user_id = created["user"]["id"].as_str().unwrap().to_owned();

    let refused = admin
        .create_user(
            json!({ "email": "buyer@harbour.com.au", "password": "short", "role": "CUSTOMER" }),
        )
        .await;
    assert_eq!(user_error_codes(&refused), ["WEAK_PASSWORD", "REQUIRED"]);
    let taken = admin
        .create_user(json!({ "email": "BUYER@harbour.com.au", "password": "another long password", "role": "FINANCE" }))
        .await;
    assert_eq!(user_error_codes(&taken)[0], "EMAIL_TAKEN");

    let wrong = anonymous
        .login("buyer@harbour.com.au", "wrong password!!")
        .await;
    assert_eq!(user_error_codes(&wrong)[0], "INVALID_CREDENTIALS");
    assert_eq!(wrong["token"], Value::Null);

    let login = anonymous
        .login("buyer@harbour.com.au", "correct horse battery")
        .await;
    let token = login["token"].as_str().expect("token").to_owned();
    assert_eq!(login["user"]["role"], "CUSTOMER");
    let me = app.with_token(&token).me().await;
    assert_eq!(me["id"], user_id);
    assert_eq!(me["role"], "CUSTOMER");
    assert_eq!(me["customerId"], customer);
    assert_eq!(me["user"]["customer"]["name"], "Harbour Homewares");

    let disabled = admin.disable_user(&user_id).await;
    assert_eq!(disabled["user"]["disabled"], true);
    let after = app.with_token(&token).run(ops::ME, json!({})).await;
    assert_eq!(
        code(&after),
        "UNAUTHENTICATED",
        "a disabled login's token is refused"
    );
    let again = anonymous
        .login("buyer@harbour.com.au", "correct horse battery")
        .await;
    assert_eq!(user_error_codes(&again)[0], "INVALID_CREDENTIALS");
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
    let me = app.with_token(&token).me().await;
    assert_eq!(me["role"], "FINANCE", "{me}");
    assert_eq!(me["id"], "script");

    let bad = std::process::Command::new(tests::api_binary())
        .env_clear()
        .args(["issue-token", "--role", "CUSTOMER", "--subject", "x"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn in_production_a_token_must_name_an_enabled_login() {
    let secret = "a-production-secret-of-at-least-32-characters";
    let (app, user) = TestApp::spawn_production(secret).await;
    let token_for = |subject: &str| {
        api::auth::issue_token(
            secret,
            subject,
            Role::Admin,
            None,
            app.clock.now_utc(),
            chrono::Duration::hours(1),
        )
    };

    // A login's own token works.
    let me = app.with_token(&token_for(&user)).me().await;
    assert_eq!(me["id"], user, "{me}");

    // Validly signed, but naming nobody: no way to revoke it, so refused.
    for subject in ["ops-script", &uuid::Uuid::now_v7().to_string()] {
        let body = app
            .with_token(&token_for(subject))
            .run(ops::ME, json!({}))
            .await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{subject}: {body}");
    }
}

/// Racing creates of one email: exactly one wins, the rest are EMAIL_TAKEN
/// (the unique index decides when the check-then-insert races), never INTERNAL.
#[tokio::test]
async fn concurrent_creates_of_one_email_answer_email_taken() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let input = json!({ "email": "race@example.com", "password": "long-enough-password", "role": "FINANCE" });
    let answers = futures::future::join_all((0..8).map(|_| admin.create_user(input.clone()))).await;
    let mut codes: Vec<Vec<String>> = answers.iter().map(user_error_codes).collect();
    codes.sort();
    let mut expected = vec![vec!["EMAIL_TAKEN".to_owned()]; 7];
    expected.insert(0, vec![]);
    assert_eq!(codes, expected, "{answers:?}");
}
