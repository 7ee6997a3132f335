//! What the shared write kernel and api kit promise every area: a replay
//! answers with the first call's response, keys are per operation, malformed
//! ids in mutation inputs are userErrors, and committed changes reach live
//! subscribers.

use serde_json::{Value, json};
use tests::TestApp;

const CREATE: &str = r#"mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id name version } userErrors { code } } }"#;

async fn with_key(app: &TestApp, query: &str, variables: Value, key: &str) -> Value {
    let body = app
        .gql_with_headers(query, variables, &[("Idempotency-Key", key)])
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_replay_returns_what_the_first_call_returned_not_the_row_as_it_is_now() {
    let app = TestApp::spawn().await;
    let input = json!({ "input": { "name": "Original Pty Ltd" } });
    let first = with_key(&app, CREATE, input.clone(), "replay-1").await["createCustomer"].clone();
    let id = first["customer"]["id"].clone();
    let changed = app
        .gql_ok(
            r#"mutation($id: ID!) { updateCustomer(input: { id: $id, expectedVersion: 1, name: "Renamed Pty Ltd" }) {
                 customer { name version } userErrors { code } } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(changed["updateCustomer"]["customer"]["version"], 2);

    let replay = with_key(&app, CREATE, input, "replay-1").await["createCustomer"].clone();
    assert_eq!(replay, first, "the stored response, byte for byte");
    assert_eq!(replay["customer"]["name"], "Original Pty Ltd");
    assert_eq!(replay["customer"]["version"], 1);
    assert_eq!(app.count(entity::party::Entity).await, 1);
}

#[tokio::test]
async fn two_aliased_creates_in_one_request_do_not_share_a_key() {
    let app = TestApp::spawn().await;
    let both = r#"mutation {
      a: createCustomer(input: { name: "Alpha Pty Ltd" }) { customer { id name } userErrors { code } }
      b: createCustomer(input: { name: "Beta Pty Ltd" }) { customer { id name } userErrors { code } } }"#;
    let first = with_key(&app, both, json!({}), "aliased").await;
    assert_eq!(first["a"]["userErrors"], json!([]));
    assert_eq!(first["b"]["userErrors"], json!([]));
    assert_eq!(first["a"]["customer"]["name"], "Alpha Pty Ltd");
    assert_eq!(first["b"]["customer"]["name"], "Beta Pty Ltd");
    assert_ne!(first["a"]["customer"]["id"], first["b"]["customer"]["id"]);
    // The same request again replays both, creating nothing.
    let again = with_key(&app, both, json!({}), "aliased").await;
    assert_eq!(again, first);
    assert_eq!(app.count(entity::party::Entity).await, 2);
}

#[tokio::test]
async fn a_malformed_id_in_any_mutation_input_is_an_invalid_id_user_error() {
    let app = TestApp::spawn().await;
    for (mutation, field) in [
        (
            r#"mutation { updateCustomer(input: { id: "nope", expectedVersion: 1 }) { userErrors { field code } } }"#,
            "updateCustomer",
        ),
        (
            r#"mutation { disableUser(input: { id: "nope" }) { userErrors { field code } } }"#,
            "disableUser",
        ),
        (
            r#"mutation { retryDeadJob(input: { id: "nope" }) { userErrors { field code } } }"#,
            "retryDeadJob",
        ),
    ] {
        let data = app.gql_ok(mutation, json!({})).await;
        assert_eq!(
            data[field]["userErrors"],
            json!([{ "field": ["input", "id"], "code": "INVALID_ID" }]),
            "{field}"
        );
    }
    let data = app
        .gql_ok(
            r#"mutation { createUser(input: { email: "c@x.example", password: "long enough password", role: CUSTOMER, partyId: "nope" }) { userErrors { field code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["createUser"]["userErrors"],
        json!([{ "field": ["input", "partyId"], "code": "INVALID_ID" }])
    );
}
