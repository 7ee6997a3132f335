//! GraphQL over HTTP conventions and transport-level refusals.

use serde_json::json;
use tests::{TestApp, post_json};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn queries_over_get_but_mutations_only_over_post() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let ok = app
        .client
        .get(&url)
        .bearer_auth(app.token_for(tests::Role::Admin, None))
        .query(&[("query", "{ customers { edges { cursor } } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["data"]["customers"]["edges"], json!([]));

    let refused = app
        .client
        .get(&url)
        .query(&[(
            "query",
            r#"mutation { createCustomer(input: {name: "X"}) { customer { id } } }"#,
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(app.count(entity::party::Entity).await, 0);
}

#[tokio::test]
async fn graphql_response_media_type_gets_4xx_for_invalid_documents() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let modern = app
        .client
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ noSuchField }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(modern.status(), 400);
    assert_eq!(
        modern.headers()["content-type"],
        "application/graphql-response+json"
    );
    let body: serde_json::Value = modern.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    let legacy = app
        .client
        .post(&url)
        .header("accept", "application/json")
        .json(&json!({ "query": "{ noSuchField }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);
    assert_eq!(legacy.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn oversized_batches_and_bodies_are_refused_and_the_server_stays_up() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.base_url);
    let one = json!({ "query": "{ customers { edges { cursor } } }" });
    let batch: Vec<_> = (0..1000).map(|_| one.clone()).collect();
    let body = post_json(&app.client, &app.base_url, None, &[], &json!(batch)).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");

    let small: Vec<_> = (0..3).map(|_| one.clone()).collect();
    let body = post_json(&app.client, &app.base_url, None, &[], &json!(small)).await;
    assert_eq!(body.as_array().map(Vec::len), Some(3));

    let huge = "x".repeat(8 * 1024 * 1024);
    let response = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(format!(r#"{{"query":"{huge}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn hostile_documents_are_refused_with_a_code_and_the_server_stays_up() {
    let app = TestApp::spawn().await;
    // Too deep: introspection nests as far as a client asks.
    let mut nested = String::from("name");
    for _ in 0..30 {
        nested = format!("ofType {{ {nested} }}");
    }
    let too_deep = format!("{{ __schema {{ types {{ fields {{ type {{ {nested} }} }} }} }} }}");
    let aliases: String = (0..5000).map(|i| format!("a{i}: name ")).collect();
    let many_aliases = format!("{{ customers {{ edges {{ node {{ {aliases} }} }} }} }}");
    let fragment_cycle =
        "query { ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }"
            .to_string();
    let cases = [
        ("too deep", too_deep, "LIMIT_EXCEEDED"),
        ("5000 aliases", many_aliases, "LIMIT_EXCEEDED"),
        ("fragment cycle", fragment_cycle, "LIMIT_EXCEEDED"),
        // Charged at its page size before it runs.
        (
            "first: 1000000",
            "{ customers(first: 1000000) { edges { cursor } } }".into(),
            "LIMIT_EXCEEDED",
        ),
        // Affordable, but over the largest page.
        (
            "first: 150",
            "{ customers(first: 150) { edges { cursor } } }".into(),
            "BAD_REQUEST",
        ),
    ];
    for (name, query, expected) in cases {
        let body = app.gql(&query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            expected,
            "{name}: {}",
            body.to_string().chars().take(300).collect::<String>()
        );
        assert!(
            body["data"].is_null() || body["data"]["customers"].is_null(),
            "{name}"
        );
    }
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    let app =
        TestApp::spawn_with(&[("GRAPHQL_INTROSPECTION", "false"), ("GRAPHIQL", "false")]).await;
    let body = app.gql("{ __schema { types { name } } }", json!({})).await;
    // Switched off, the schema is simply not there to see.
    assert_eq!(body["data"]["__schema"], serde_json::Value::Null, "{body}");
    let page = app
        .client
        .get(format!("{}/graphql", app.base_url))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);

    let open = TestApp::spawn().await;
    let body = open
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
}
