//! What clients meet first: limits that count what a document costs, the
//! GraphQL-over-HTTP recommendations, and automatic persisted queries.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tests::{Role, TestApp};

async fn post_raw(app: &TestApp, body: Value, accept: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(app.token_for(Role::Admin, None))
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POST `document` as ADMIN and expect LIMIT_EXCEEDED without any data.
async fn assert_limit_exceeded(app: &TestApp, document: &str) {
    let (_, body) = post_raw(app, json!({ "query": document }), "application/json").await;
    let shown: String = body.to_string().chars().take(300).collect();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{shown}"
    );
    assert!(body["data"].is_null(), "{shown}");
}

#[tokio::test]
async fn an_alias_flood_is_refused_before_it_runs_and_the_server_stays_responsive() {
    let app = TestApp::spawn().await;
    let flood: String = (0..5000).map(|i| format!("a{i}: __typename ")).collect();
    assert_limit_exceeded(&app, &format!("{{ {flood} }}")).await;
    // Fragments count where they are spread.
    let fields: String = (0..120).map(|i| format!("f{i}: __typename ")).collect();
    let spread: String = (0..5)
        .map(|i| format!("s{i}: customers {{ ...F }} "))
        .collect();
    let document = format!("{{ {spread} }} fragment F on CustomerConnection {{ {fields} }}");
    assert_limit_exceeded(&app, &document).await;
    let (status, body) = post_raw(
        &app,
        json!({ "query": "{ __typename }" }),
        "application/json",
    )
    .await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("QueryRoot"))
    );
}

#[tokio::test]
async fn connections_cost_their_page_size() {
    let app = TestApp::spawn().await;
    let lists: String = (0..300)
        .map(|i| format!("c{i}: customers(first: 100) {{ __typename }} "))
        .collect();
    assert_limit_exceeded(&app, &format!("{{ {lists} }}")).await;
    // Few fields, many pages: refused on cost, not on field count.
    let lists: String = (0..40)
        .map(|i| format!("c{i}: customers(first: 100) {{ edges {{ cursor }} }} "))
        .collect();
    assert_limit_exceeded(&app, &format!("{{ {lists} }}")).await;
    // One full page of customers with every field is fine.
    let one = "{ customers(first: 100) { edges { cursor node { id name email phone abn version createdAt updatedAt } } pageInfo { hasNextPage endCursor } } }";
    let (status, body) = post_raw(&app, json!({ "query": one }), "application/json").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn a_post_without_a_content_type_is_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn with_the_graphql_response_type_unparsable_or_invalid_documents_are_4xx_without_data() {
    let app = TestApp::spawn().await;
    for document in ["{ customers(", "{ noSuchField }"] {
        let (status, body) = post_raw(
            &app,
            json!({ "query": document }),
            "application/graphql-response+json",
        )
        .await;
        assert_eq!(status, 400, "{document}: {body}");
        assert!(body.get("data").is_none(), "{document}: {body}");
        assert!(body["errors"][0]["message"].is_string());
    }
}

#[tokio::test]
async fn automatic_persisted_queries_round_trip() {
    let app = TestApp::spawn().await;
    let query = "{ businessSettings { legalName } }";
    let hash = hex::encode(Sha256::digest(query.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    // A phone sends only the hash: unknown the first time.
    let (_, miss) = post_raw(&app, json!({ "extensions": persisted }), "application/json").await;
    assert_eq!(
        miss["errors"][0]["message"], "PersistedQueryNotFound",
        "{miss}"
    );
    // It retries with the text, which registers it.
    let (_, full) = post_raw(
        &app,
        json!({ "query": query, "extensions": persisted }),
        "application/json",
    )
    .await;
    assert!(
        full["data"]["businessSettings"]["legalName"].is_string(),
        "{full}"
    );
    // From then on the hash is enough.
    let (_, hit) = post_raw(&app, json!({ "extensions": persisted }), "application/json").await;
    assert_eq!(hit["data"], full["data"], "{hit}");
    // A text that does not match its hash is refused.
    let wrong = json!({ "query": "{ __typename }", "extensions": persisted });
    let (_, mismatch) = post_raw(&app, wrong, "application/json").await;
    assert!(mismatch["errors"][0]["message"].is_string(), "{mismatch}");
    assert!(mismatch["data"]["__typename"].is_null(), "{mismatch}");
}

#[tokio::test]
async fn a_persisted_mutation_cannot_run_over_get() {
    let app = TestApp::spawn().await;
    let mutation = r#"mutation { createCustomer(input: { name: "Once" }) { customer { id } } }"#;
    let hash = hex::encode(Sha256::digest(mutation.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let (_, created) = post_raw(
        &app,
        json!({ "query": mutation, "extensions": persisted }),
        "application/json",
    )
    .await;
    assert!(
        created["data"]["createCustomer"]["customer"]["id"].is_string(),
        "{created}"
    );
    let response = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .bearer_auth(app.token_for(Role::Admin, None))
        .query(&[("extensions", persisted.to_string())])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"], "mutations must be sent with POST",
        "{body}"
    );
    assert_eq!(
        app.count(entity::party::Entity).await,
        1,
        "the GET wrote nothing"
    );
}
