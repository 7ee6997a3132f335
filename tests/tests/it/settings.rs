//! Business settings: seeded from configuration, edited by ADMIN only.

use serde_json::json;
use tests::{Role, TestApp, error_code, ops, user_error_codes, user_errors};

#[tokio::test]
async fn seeded_from_configuration_and_edited_by_admin() {
    let app = TestApp::spawn_with(&[
        ("SELLER_NAME", "Harbour Homewares Pty Ltd"),
        ("SELLER_ABN", "51 824 753 556"),
    ])
    .await;
    let admin = app.admin();
    assert_eq!(
        admin.business_settings().await,
        json!({ "legalName": "Harbour Homewares Pty Ltd", "abn": "51824753556", "gstRegistered": true,
                "gstRounding": "PER_LINE", "timezone": "Australia/Sydney", "version": 1, "holidayWarning": null })
    );

    let bad = admin
        .update_business_settings(json!({ "expectedVersion": 1, "legalName": " ", "abn": "51 824 753 557", "timezone": "Mars/Olympus" }))
        .await;
    let fields: Vec<_> = user_errors(&bad)
        .into_iter()
        .map(|(field, _)| field[1].clone())
        .collect();
    assert_eq!(fields, ["legalName", "abn", "timezone"]);

    let good = admin
        .update_business_settings(json!({ "expectedVersion": 1, "gstRounding": "PER_INVOICE", "timezone": "Australia/Brisbane" }))
        .await;
    assert_eq!(good["userErrors"], json!([]));
    assert_eq!(good["settings"]["gstRounding"], "PER_INVOICE");
    assert_eq!(good["settings"]["version"], 2);
    assert_eq!(
        good["settings"]["abn"], "51824753556",
        "omitted fields stay"
    );

    let stale = admin
        .update_business_settings(json!({ "expectedVersion": 1, "legalName": "Lost" }))
        .await;
    assert_eq!(user_error_codes(&stale)[0], "CONFLICT");

    let finance = app.as_role(Role::Finance);
    let refused = finance
        .run(
            ops::UPDATE_BUSINESS_SETTINGS,
            json!({ "input": { "expectedVersion": 2, "legalName": "Hijack" } }),
        )
        .await;
    assert_eq!(error_code(&refused).as_deref(), Some("FORBIDDEN"));
    assert_eq!(
        finance.business_settings().await["legalName"],
        "Harbour Homewares Pty Ltd"
    );
}

tests::op_const!(RETURNS_ADDRESS = "updateBusinessSettings": "mutation($input: UpdateBusinessSettingsInput!) { updateBusinessSettings(input: $input) { settings { returnsAddress version } userErrors { field code message } } }");

#[tokio::test]
async fn the_returns_address_keeps_its_lines_refuses_control_characters_and_clears() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let set = |version: i64, address: serde_json::Value| json!({ "input": { "expectedVersion": version, "returnsAddress": address } });
    let seeded = admin.data(RETURNS_ADDRESS, set(1, json!("  "))).await;
    assert_eq!(
        seeded["settings"]["returnsAddress"],
        json!(null),
        "blank is none"
    );

    let bad = admin
        .data(RETURNS_ADDRESS, set(2, json!("Dock 4\u{7}\n12 Dock Rd")))
        .await;
    assert_eq!(user_error_codes(&bad), ["INVALID_TEXT"]);
    let long = admin
        .data(RETURNS_ADDRESS, set(2, json!("x".repeat(501))))
        .await;
    assert_eq!(user_error_codes(&long), ["TOO_LONG"]);

    let typed = "  Returns Dock\r\n12 Dock Rd\rBotany NSW 2019 ";
    let good = admin.data(RETURNS_ADDRESS, set(2, json!(typed))).await;
    assert_eq!(
        good["settings"]["returnsAddress"],
        "Returns Dock\n12 Dock Rd\nBotany NSW 2019"
    );
    let other = json!({ "input": { "expectedVersion": 3, "legalName": "Harbour Pty Ltd" } });
    let kept = admin.data(RETURNS_ADDRESS, other).await;
    assert_eq!(
        kept["settings"]["returnsAddress"], good["settings"]["returnsAddress"],
        "omitted, it stays: {kept}"
    );
    let cleared = admin.data(RETURNS_ADDRESS, set(4, json!(null))).await;
    assert_eq!(
        cleared["settings"]["returnsAddress"],
        json!(null),
        "{cleared}"
    );
}
