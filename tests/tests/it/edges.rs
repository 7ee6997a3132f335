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

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id ... on Customer { name } ... on AuditEntry { action subjectId } ... on User { email } } }";

#[tokio::test]
async fn node_refetches_any_object_for_whoever_may_see_it() {
    let app = TestApp::spawn().await;
    let alice = app
        .admin()
        .new_customer(json!({ "name": "Alice Nguyen" }))
        .await;
    let bob = app
        .admin()
        .new_customer(json!({ "name": "Bob Smith" }))
        .await;
    let node = async |caller: tests::kit::Caller<'_>, id: &str| {
        let body = caller.post(NODE, json!({ "id": id })).await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["node"].clone()
    };

    let own = node(app.as_customer(&alice), &alice).await;
    assert_eq!(
        (&own["__typename"], &own["id"], &own["name"]),
        (&json!("Customer"), &json!(alice), &json!("Alice Nguyen"))
    );
    assert!(node(app.as_customer(&bob), &alice).await.is_null());
    assert_eq!(node(app.admin(), &alice).await["name"], "Alice Nguyen");

    // An audit entry is another kind of node, visible as its record is.
    let trail = app.as_customer(&alice).audit_trail(&alice).await;
    let entry_id = tests::kit::nodes(&trail)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entry = node(app.as_customer(&alice), &entry_id).await;
    assert_eq!(
        (&entry["__typename"], &entry["subjectId"]),
        (&json!("AuditEntry"), &json!(alice))
    );
    assert!(node(app.as_customer(&bob), &entry_id).await.is_null());

    // Logins: ADMIN sees any; a customer sees none but its own.
    let user = app
        .admin()
        .create_user(json!({ "email": "ops@example.com.au", "password": "a long enough password", "role": "FULFILMENT" }))
        .await;
    let user_id = user["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        node(app.admin(), &user_id).await["email"],
        "ops@example.com.au"
    );
    assert!(node(app.as_customer(&alice), &user_id).await.is_null());

    // Unknown ids are null; malformed ones a bad request; no token, no answer.
    assert!(
        node(app.admin(), &uuid::Uuid::now_v7().to_string())
            .await
            .is_null()
    );
    let bad = app.admin().post(NODE, json!({ "id": "nope" })).await;
    assert_eq!(tests::kit::error_code(&bad).as_deref(), Some("BAD_REQUEST"));
    let anonymous = app.anonymous().post(NODE, json!({ "id": alice })).await;
    assert_eq!(
        tests::kit::error_code(&anonymous).as_deref(),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn a_signed_link_opens_and_a_changed_or_expired_one_gets_a_short_page() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use domain::platform::links::{LinkPurpose, LinkSigner};

    let app = TestApp::spawn().await;
    let signer = LinkSigner::new(&app.app.state.config.link_signing_key);
    let subject = uuid::Uuid::now_v7();
    let url = api::links::url(&app.app.state, LinkPurpose::Tracking, subject);
    let path = url
        .strip_prefix(app.app.state.config.public_base_url.trim_end_matches('/'))
        .expect("links start with PUBLIC_BASE_URL");
    let token = path.rsplit('/').next().unwrap().to_owned();
    let link = signer
        .verify(&token, LinkPurpose::Tracking, app.clock.now_utc())
        .expect("the link the app makes verifies");
    assert_eq!(link.subject, subject);

    // Genuine: the link is accepted, and a package that does not exist gets
    // a short page, not an error.
    let genuine = app.get(path).await;
    assert_eq!(genuine.status(), 404);
    assert!(genuine.text().await.unwrap().contains("no longer valid"));

    // One changed byte: not found, as a short page with no trace.
    let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
    bytes[5] ^= 0x01;
    let changed = URL_SAFE_NO_PAD.encode(bytes);
    let response = app.get(&format!("/links/tracking/{changed}")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    assert!(page.contains("This link is not valid"), "{page}");
    assert!(page.len() < 2000 && !page.contains("Error"), "{page}");

    // Another purpose's page refuses it too.
    let response = app.get(&format!("/links/survey/{token}")).await;
    assert_eq!(response.status(), 404);

    // Expired: gone.
    app.clock.advance(LinkPurpose::Tracking.validity());
    let response = app.get(path).await;
    assert_eq!(response.status(), 410);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This link has expired")
    );
}
