//! SLA policies through the API: staff read them, ADMIN creates and changes
//! them (every bad field at once, stale versions refused, audited).

use serde_json::{Value, json};
use tests::{Role, TestApp, error_code, id_of, input_error, input_path_error, nodes, user_errors};

const FIELDS: &str = "id name priority category customerId isDefault rank firstResponseMinutes \
    nextUpdateMinutes resolutionMinutes calendar pauseStatuses warningMinutes escalateRole \
    active version";

fn list_query() -> String {
    format!("query {{ slaPolicies(first: 100) {{ edges {{ node {{ {FIELDS} }} }} }} }}")
}

fn update_query() -> String {
    format!(
        "mutation($input: UpdateSlaPolicyInput!) {{ updateSlaPolicy(input: $input) {{ \
         policy {{ {FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn create_query() -> String {
    format!(
        "mutation($input: CreateSlaPolicyInput!) {{ createSlaPolicy(input: $input) {{ \
         policy {{ {FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

async fn policies(app: &TestApp) -> Vec<Value> {
    let body = app.admin().post(&list_query(), json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    nodes(&body["data"]["slaPolicies"])
}

async fn named(app: &TestApp, name: &str) -> Value {
    policies(app)
        .await
        .into_iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("policy {name}"))
}

#[tokio::test]
async fn the_seeded_policies_are_listed_for_staff_only() {
    let app = TestApp::spawn().await;
    let all = policies(&app).await;
    let summary: Vec<(String, String, i64, String, bool)> = all
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["calendar"].as_str().unwrap().to_owned(),
                p["firstResponseMinutes"].as_i64().unwrap(),
                p["priority"].as_str().unwrap().to_owned(),
                p["isDefault"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "Critical".into(),
                "ALWAYS".into(),
                120,
                "CRITICAL".into(),
                false
            ),
            (
                "High".into(),
                "BUSINESS_HOURS".into(),
                240,
                "HIGH".into(),
                false
            ),
            (
                "Medium".into(),
                "BUSINESS_HOURS".into(),
                1440,
                "MEDIUM".into(),
                true
            ),
            (
                "Low".into(),
                "BUSINESS_HOURS".into(),
                4320,
                "LOW".into(),
                false
            ),
        ]
    );
    assert_eq!(
        all[0]["pauseStatuses"],
        json!(["WAITING_ON_CUSTOMER", "WAITING_ON_THIRD_PARTY"])
    );
    assert_eq!(all[0]["warningMinutes"], 15);
    assert_eq!(all[0]["escalateRole"], "ADMIN");

    let staff = app
        .as_role(Role::DeliveryTeam)
        .post(&list_query(), json!({}))
        .await;
    assert_eq!(nodes(&staff["data"]["slaPolicies"]).len(), 4);
    let customer_id = app.customer_named("Acme Pty Ltd", "ops@acme.example").await;
    let customer = app
        .as_customer(&customer_id)
        .post(&list_query(), json!({}))
        .await;
    assert_eq!(error_code(&customer).as_deref(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn admin_changes_a_policy_with_every_error_at_once_and_versions() {
    let app = TestApp::spawn().await;
    let high = named(&app, "High").await;
    let id = id_of(&high);
    let admin = app.admin();

    let bad = admin
        .post(
            &update_query(),
            json!({ "input": {
                "id": id, "expectedVersion": 1, "name": " ",
                "firstResponseMinutes": 0, "warningMinutes": 300,
                "pauseStatuses": ["WAITING_ON_CUSTOMER", "OPEN"],
                "escalateRole": "CUSTOMER",
            } }),
        )
        .await;
    let payload = &bad["data"]["updateSlaPolicy"];
    assert_eq!(payload["policy"], Value::Null);
    assert_eq!(
        user_errors(payload),
        [
            input_error("name", "REQUIRED"),
            input_error("firstResponseMinutes", "OUT_OF_RANGE"),
            input_error("warningMinutes", "OUT_OF_RANGE"),
            input_path_error("pauseStatuses.1", "OUT_OF_RANGE"),
            input_error("escalateRole", "OUT_OF_RANGE"),
        ]
    );
    // The last active default cannot go.
    let medium = named(&app, "Medium").await;
    let no_default = admin
        .post(
            &update_query(),
            json!({ "input": { "id": id_of(&medium), "expectedVersion": 1, "isDefault": false } }),
        )
        .await;
    assert_eq!(
        user_errors(&no_default["data"]["updateSlaPolicy"]),
        [input_error("isDefault", "INVALID_STATE")]
    );
    assert_eq!(named(&app, "High").await, high, "nothing written");

    let good = admin
        .post(
            &update_query(),
            json!({ "input": {
                "id": id, "expectedVersion": 1, "firstResponseMinutes": 180,
                "warningMinutes": 30, "pauseStatuses": ["WAITING_ON_THIRD_PARTY"],
                "category": "installation", "escalateRole": "PROJECT_MANAGER",
            } }),
        )
        .await;
    let payload = &good["data"]["updateSlaPolicy"];
    assert_eq!(payload["userErrors"], json!([]), "{good:#}");
    let after = &payload["policy"];
    assert_eq!(after["version"], 2);
    assert_eq!(after["firstResponseMinutes"], 180);
    assert_eq!(after["resolutionMinutes"], 960, "omitted fields stay");
    assert_eq!(after["pauseStatuses"], json!(["WAITING_ON_THIRD_PARTY"]));
    assert_eq!(after["category"], "installation");
    assert_eq!(after["escalateRole"], "PROJECT_MANAGER");
    assert_eq!(app.audit_actions(&id).await, ["sla_policy.updated"]);

    let stale = admin
        .post(
            &update_query(),
            json!({ "input": { "id": id, "expectedVersion": 1, "rank": 1 } }),
        )
        .await;
    assert_eq!(
        user_errors(&stale["data"]["updateSlaPolicy"]),
        [input_error("expectedVersion", "CONFLICT")]
    );

    for role in [Role::ProjectManager, Role::DeliveryTeam] {
        let refused = app
            .as_role(role)
            .post(
                &update_query(),
                json!({ "input": { "id": id, "expectedVersion": 2, "rank": 1 } }),
            )
            .await;
        assert_eq!(error_code(&refused).as_deref(), Some("FORBIDDEN"));
    }
    assert_eq!(named(&app, "High").await["version"], 2);
}

#[tokio::test]
async fn admin_creates_a_policy_for_one_customer() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let customer_id = admin
        .new_customer(json!({ "name": "Acme Pty Ltd", "email": "ops@acme.example" }))
        .await;
    let created = admin
        .post(
            &create_query(),
            json!({ "input": {
                "name": "Acme critical", "priority": "CRITICAL", "customerId": customer_id,
                "rank": 5, "firstResponseMinutes": 60, "nextUpdateMinutes": 60,
                "resolutionMinutes": 240, "calendar": "ALWAYS",
            } }),
        )
        .await;
    let payload = &created["data"]["createSlaPolicy"];
    assert_eq!(payload["userErrors"], json!([]), "{created:#}");
    let policy = &payload["policy"];
    assert_eq!(policy["customerId"], customer_id.as_str());
    assert_eq!(policy["warningMinutes"], 15);
    assert_eq!(
        policy["pauseStatuses"],
        json!(["WAITING_ON_CUSTOMER", "WAITING_ON_THIRD_PARTY"])
    );
    assert_eq!(policy["version"], 1);
    assert_eq!(
        app.audit_actions(&id_of(policy)).await,
        ["sla_policy.created"]
    );
    assert_eq!(policies(&app).await.len(), 5);

    let unknown = admin
        .post(
            &create_query(),
            json!({ "input": {
                "name": "Nobody", "customerId": "0190c3b4-0000-7000-8000-000000000000",
                "rank": 5, "firstResponseMinutes": 60, "nextUpdateMinutes": 60,
                "resolutionMinutes": 10, "calendar": "BUSINESS_HOURS",
            } }),
        )
        .await;
    assert_eq!(
        user_errors(&unknown["data"]["createSlaPolicy"]),
        [
            input_error("warningMinutes", "OUT_OF_RANGE"),
            input_error("customerId", "NOT_FOUND"),
        ]
    );
    let refused = app
        .as_role(Role::Finance)
        .post(
            &create_query(),
            json!({ "input": {
                "name": "Sneaky", "rank": 1, "firstResponseMinutes": 60,
                "nextUpdateMinutes": 60, "resolutionMinutes": 60, "calendar": "ALWAYS",
            } }),
        )
        .await;
    assert_eq!(error_code(&refused).as_deref(), Some("FORBIDDEN"));
    assert_eq!(policies(&app).await.len(), 5);
}
