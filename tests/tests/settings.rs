//! Business settings: seeded from configuration, edited by ADMIN only.

use serde_json::json;
use tests::TestApp;

const UPDATE: &str = r#"mutation($input: UpdateBusinessSettingsInput!) {
  updateBusinessSettings(input: $input) {
    settings { legalName abn gstRounding timezone version }
    userErrors { field code }
  }
}"#;

#[tokio::test]
async fn seeded_from_configuration_and_edited_by_admin() {
    let app = TestApp::spawn_with(&[
        ("SELLER_NAME", "Harbour Homewares Pty Ltd"),
        ("SELLER_ABN", "51 824 753 556"),
    ])
    .await;
    let settings = app
        .gql_ok(
            "{ businessSettings { legalName abn gstRegistered gstRounding timezone version } }",
            json!({}),
        )
        .await["businessSettings"]
        .clone();
    assert_eq!(
        settings,
        json!({ "legalName": "Harbour Homewares Pty Ltd", "abn": "51824753556", "gstRegistered": true,
                "gstRounding": "PER_LINE", "timezone": "Australia/Sydney", "version": 1 })
    );

    let bad = app
        .gql_ok(UPDATE, json!({ "input": { "expectedVersion": 1, "legalName": " ", "abn": "51 824 753 557", "timezone": "Mars/Olympus" } }))
        .await["updateBusinessSettings"]
        .clone();
    let fields: Vec<_> = bad["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].clone())
        .collect();
    assert_eq!(
        fields,
        vec![json!("legalName"), json!("abn"), json!("timezone")]
    );

    let good = app
        .gql_ok(UPDATE, json!({ "input": { "expectedVersion": 1, "gstRounding": "PER_INVOICE", "timezone": "Australia/Brisbane" } }))
        .await["updateBusinessSettings"]
        .clone();
    assert_eq!(good["userErrors"], json!([]));
    assert_eq!(good["settings"]["gstRounding"], "PER_INVOICE");
    assert_eq!(good["settings"]["version"], 2);
    assert_eq!(
        good["settings"]["abn"], "51824753556",
        "omitted fields stay"
    );

    let stale = app
        .gql_ok(
            UPDATE,
            json!({ "input": { "expectedVersion": 1, "legalName": "Lost" } }),
        )
        .await["updateBusinessSettings"]
        .clone();
    assert_eq!(stale["userErrors"][0]["code"], "CONFLICT");

    let finance = app.token_for(domain::Role::Finance, None);
    let refused = app
        .gql_as(
            Some(&finance),
            UPDATE,
            json!({ "input": { "expectedVersion": 2, "legalName": "Hijack" } }),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let readable = app
        .gql_as(
            Some(&finance),
            "{ businessSettings { legalName } }",
            json!({}),
        )
        .await;
    assert_eq!(
        readable["data"]["businessSettings"]["legalName"],
        "Harbour Homewares Pty Ltd"
    );
}
