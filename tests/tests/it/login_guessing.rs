//! Password guessing: one `login` per HTTP request whatever the aliases or
//! batch entries, and a throttle per account and per client address that
//! answers the same whether or not the account exists.

use serde_json::{Value, json};
use tests::{TestApp, post_json, user_error_codes};

/// Failed sign-ins the server has recorded (each evaluated guess is one).
async fn recorded_failures(app: &TestApp) -> u64 {
    app.count(entity::login_failure::Entity).await
}

async fn a_login(app: &TestApp, email: &str, password: &str) {
    let customer = app
        .admin()
        .new_customer(json!({ "name": "Guess Target" }))
        .await;
    let created = app
        .admin()
        .create_user(json!({ "email": email, "password": password, "role": "CUSTOMER", "partyId": customer }))
        .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
}

#[tokio::test]
async fn twenty_aliased_logins_in_one_document_evaluate_at_most_one() {
    let app = TestApp::spawn().await;
    let fields: String = (0..20)
        .map(|i| {
            format!(
                "l{i}: login(input: {{ email: \"victim@example.com\", password: \"guess-{i}\" }}) \
                 {{ token retryAfterSeconds userErrors {{ code }} }}\n"
            )
        })
        .collect();
    let body = app
        .anonymous()
        .post(&format!("mutation {{\n{fields}}}"), json!({}))
        .await;
    let data = &body["data"];
    assert_eq!(
        data["l0"]["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{body}"
    );
    for i in 1..20 {
        assert_eq!(
            data[format!("l{i}")]["userErrors"][0]["code"],
            "LIMIT_EXCEEDED",
            "{body}"
        );
        assert_eq!(data[format!("l{i}")]["token"], Value::Null);
    }
    assert_eq!(
        recorded_failures(&app).await,
        1,
        "only the first alias was evaluated"
    );
}

#[tokio::test]
async fn a_batch_of_logins_evaluates_only_its_first_entry() {
    let app = TestApp::spawn().await;
    a_login(&app, "batch@example.com", "the right password").await;
    let entry = |password: &str| {
        json!({
            "query": "mutation($p: String!) { login(input: { email: \"batch@example.com\", password: $p }) { token userErrors { code } } }",
            "variables": { "p": password },
        })
    };
    // The right password comes second: it must not be tried.
    let batch = json!([entry("wrong one"), entry("the right password"), entry("x")]);
    let body = post_json(&app.client, &app.base_url, None, &[], &batch).await;
    let codes: Vec<&Value> = body
        .as_array()
        .expect("a batch answer")
        .iter()
        .map(|r| &r["data"]["login"]["userErrors"][0]["code"])
        .collect();
    assert_eq!(
        codes,
        [
            &json!("INVALID_CREDENTIALS"),
            &json!("LIMIT_EXCEEDED"),
            &json!("LIMIT_EXCEEDED")
        ]
    );
    assert!(body[1]["data"]["login"]["token"].is_null());
    assert_eq!(recorded_failures(&app).await, 1);
}

#[tokio::test]
async fn repeated_wrong_passwords_for_one_account_are_throttled_alike_for_unknown_accounts() {
    let app = TestApp::spawn().await;
    a_login(&app, "known@example.com", "the right password").await;
    let limit = domain::users::login::ACCOUNT_LIMIT;
    for account in ["known@example.com", "unknown@example.com"] {
        for attempt in 0..limit {
            let answer = app
                .anonymous()
                .login(account, &format!("guess {attempt}"))
                .await;
            assert_eq!(
                user_error_codes(&answer),
                ["INVALID_CREDENTIALS"],
                "{account} {attempt}"
            );
        }
        let throttled = app.anonymous().login(account, "one more guess").await;
        assert_eq!(
            user_error_codes(&throttled),
            ["TOO_MANY_ATTEMPTS"],
            "{throttled}"
        );
        let wait = throttled["retryAfterSeconds"]
            .as_i64()
            .expect("a retry-after");
        assert!((1..=15 * 60).contains(&wait), "{wait}");
    }
    // While throttled even the right password is refused, and no guess is evaluated.
    let before = recorded_failures(&app).await;
    let right = app
        .anonymous()
        .login("KNOWN@example.com ", "the right password")
        .await;
    assert_eq!(user_error_codes(&right), ["TOO_MANY_ATTEMPTS"]);
    assert!(right["token"].is_null());
    assert_eq!(recorded_failures(&app).await, before);
}

#[tokio::test]
async fn one_address_guessing_across_accounts_is_throttled() {
    let app = TestApp::spawn().await;
    let limit = domain::users::login::CLIENT_LIMIT;
    for i in 0..limit {
        let answer = app
            .anonymous()
            .login(&format!("spray{i}@example.com"), "Summer2026!")
            .await;
        assert_eq!(user_error_codes(&answer), ["INVALID_CREDENTIALS"], "{i}");
    }
    let next = app
        .anonymous()
        .login("fresh@example.com", "Summer2026!")
        .await;
    assert_eq!(user_error_codes(&next), ["TOO_MANY_ATTEMPTS"], "{next}");
}

#[tokio::test]
async fn a_successful_sign_in_clears_its_accounts_failures() {
    let app = TestApp::spawn().await;
    a_login(&app, "forgetful@example.com", "the right password").await;
    let limit = domain::users::login::ACCOUNT_LIMIT;
    for attempt in 0..limit - 1 {
        app.anonymous()
            .login("forgetful@example.com", &format!("nope {attempt}"))
            .await;
    }
    let ok = app
        .anonymous()
        .login("forgetful@example.com", "the right password")
        .await;
    assert!(ok["token"].is_string(), "{ok}");
    let again = app
        .anonymous()
        .login("forgetful@example.com", "nope again")
        .await;
    assert_eq!(user_error_codes(&again), ["INVALID_CREDENTIALS"]);
}
