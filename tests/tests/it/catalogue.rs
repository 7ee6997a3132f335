//! The catalogue and stock through GraphQL: products, locations, stock per
//! location and batch, adjustments that never take stock below what is
//! reserved or below zero, even when they race.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::{Role, TestApp, error_code, input_error, nodes, user_errors, with_fields};

tests::op_const!(CREATE_LOCATION = "createStockLocation": "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id code region kind } userErrors { field code message } } }");
tests::op_const!(CREATE_PRODUCT = "createProduct": "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id sku name kind taxCode price { amount currency } pricesIncludeGst weightGrams batchTracked active version } userErrors { field code message } } }");
tests::op_const!(UPDATE_PRODUCT = "updateProduct": "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id name price { amount } version } userErrors { field code message } } }");
tests::op_const!(ADJUST_STOCK = "adjustStock": "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { location { code } batchCode onHand reserved available } userErrors { field code message } } }");
tests::op_const!(PRODUCT_STOCK = "product": "query($id: ID!) { product(id: $id) { sku stock { location { code } batchCode expiresOn onHand reserved available } } }");
tests::op_const!(PRODUCTS = "products": "query($filter: ProductFilter) { products(filter: $filter, first: 50) { edges { node { sku name } } } }");

async fn location(app: &TestApp, code: &str, kind: &str) -> String {
    let created = app
        .as_role(Role::Fulfilment)
        .accepted(
            CREATE_LOCATION,
            json!({ "input": { "code": code, "name": format!("{code} warehouse"), "region": "AUSTRALIA", "kind": kind } }),
        )
        .await;
    created["stockLocation"]["id"].as_str().unwrap().to_owned()
}

async fn product(app: &TestApp, sku: &str, extra: Value) -> String {
    let input = with_fields(
        json!({ "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE", "price": "129.95", "weightGrams": 1200 }),
        &extra,
    );
    let created = app
        .as_role(Role::Fulfilment)
        .accepted(CREATE_PRODUCT, json!({ "input": input }))
        .await;
    created["product"]["id"].as_str().unwrap().to_owned()
}

async fn adjust(app: &TestApp, input: Value) -> Value {
    app.as_role(Role::Fulfilment)
        .data(ADJUST_STOCK, json!({ "input": input }))
        .await
}

#[tokio::test]
async fn staff_keep_the_catalogue_and_stock_per_location_with_a_ledger() {
    let app = TestApp::spawn().await;
    let syd = location(&app, "syd-1", "WAREHOUSE").await;
    let held = location(&app, "SYD-Q", "QUARANTINE").await;
    let chair = product(&app, "chair-01", json!({})).await;

    let received = adjust(
        &app,
        json!({ "productId": chair, "locationId": syd, "quantity": 10, "reason": "PO 17", "kind": "RECEIPT" }),
    )
    .await;
    assert_eq!(
        received["stockLevel"],
        json!({ "location": { "code": "SYD-1" }, "batchCode": null, "onHand": 10, "reserved": 0, "available": 10 })
    );
    adjust(
        &app,
        json!({ "productId": chair, "locationId": syd, "quantity": -3, "reason": "Forklift", "kind": "DAMAGE" }),
    )
    .await;
    adjust(
        &app,
        json!({ "productId": chair, "locationId": held, "quantity": 4, "reason": "Inspect" }),
    )
    .await;
    let too_many = adjust(
        &app,
        json!({ "productId": chair, "locationId": syd, "quantity": -8, "reason": "Count" }),
    )
    .await;
    assert_eq!(
        user_errors(&too_many),
        [input_error("quantity", "INSUFFICIENT_STOCK")]
    );
    let by_hand = adjust(
        &app,
        json!({ "productId": chair, "locationId": held, "quantity": -1, "reason": "Back to supplier", "kind": "SUPPLIER_RETURN" }),
    )
    .await;
    assert_eq!(
        user_errors(&by_hand),
        [input_error("kind", "INVALID_STATE")],
        "a return to a supplier has its own step"
    );

    let stock = app
        .as_role(Role::Finance)
        .data(PRODUCT_STOCK, json!({ "id": chair }))
        .await;
    let levels: Vec<(Value, Value, Value)> = stock["stock"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["location"]["code"].clone(),
                l["onHand"].clone(),
                l["available"].clone(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            (json!("SYD-1"), json!(7), json!(7)),
            (json!("SYD-Q"), json!(4), json!(0)),
        ],
        "quarantine stock is never available"
    );
    let ledger: Vec<(i32, String)> = entity::stock_movement::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.quantity, m.kind.to_string()))
        .collect();
    assert_eq!(
        ledger,
        [
            (10, "RECEIPT".into()),
            (-3, "DAMAGE".into()),
            (4, "ADJUSTMENT".into())
        ]
    );

    // Customers read the catalogue, not the stock, and change nothing.
    let customer = app.admin().new_customer(json!({ "name": "Cass" })).await;
    let listed = app
        .as_customer(&customer)
        .data(PRODUCTS, json!({ "filter": { "search": "CHAIR" } }))
        .await;
    assert_eq!(nodes(&listed).len(), 1);
    let peek = app
        .as_customer(&customer)
        .run(PRODUCT_STOCK, json!({ "id": chair }))
        .await;
    assert_eq!(error_code(&peek).as_deref(), Some("FORBIDDEN"));
    let sneak = app
        .as_customer(&customer)
        .run(
            ADJUST_STOCK,
            json!({ "input": { "productId": chair, "locationId": syd, "quantity": 1, "reason": "x" } }),
        )
        .await;
    assert_eq!(error_code(&sneak).as_deref(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn bad_products_and_adjustments_are_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let syd = location(&app, "SYD-1", "WAREHOUSE").await;
    product(&app, "LAMP-1", json!({})).await;
    let staff = app.as_role(Role::Fulfilment);
    let bad = staff
        .data(
            CREATE_PRODUCT,
            json!({ "input": { "sku": "lamp-1", "name": " ", "taxCode": "TAXABLE", "price": "9.999", "weightGrams": -1 } }),
        )
        .await;
    assert_eq!(
        user_errors(&bad),
        [
            input_error("name", "REQUIRED"),
            input_error("price", "INVALID_MONEY"),
            input_error("weightGrams", "OUT_OF_RANGE"),
        ]
    );
    staff
        .refused(
            CREATE_PRODUCT,
            json!({ "input": { "sku": "lamp-1", "name": "Lamp", "taxCode": "GST_FREE", "price": "9.99", "weightGrams": 1 } }),
            "sku",
            "ALREADY_EXISTS",
        )
        .await;
    staff
        .refused(
            CREATE_LOCATION,
            json!({ "input": { "code": "syd-1", "name": "Again", "region": "AUSTRALIA" } }),
            "code",
            "ALREADY_EXISTS",
        )
        .await;

    let wine = product(&app, "WINE-1", json!({ "batchTracked": true })).await;
    let no_batch = adjust(
        &app,
        json!({ "productId": wine, "locationId": syd, "quantity": 5, "reason": "In" }),
    )
    .await;
    assert_eq!(
        user_errors(&no_batch),
        [input_error("batchCode", "REQUIRED")]
    );
    let batched = adjust(
        &app,
        json!({ "productId": wine, "locationId": syd, "quantity": 5, "reason": "In", "batchCode": "b-2026", "expiresOn": "2027-06-30" }),
    )
    .await;
    assert_eq!(batched["stockLevel"]["batchCode"], "B-2026", "{batched}");
    let install = product(&app, "INSTALL", json!({ "kind": "SERVICE" })).await;
    let service = adjust(
        &app,
        json!({ "productId": install, "locationId": syd, "quantity": 1, "reason": "x" }),
    )
    .await;
    assert_eq!(
        user_errors(&service),
        [input_error("productId", "INVALID_STATE")]
    );

    staff
        .refused(
            UPDATE_PRODUCT,
            json!({ "input": { "id": wine, "expectedVersion": 7, "price": "10.00" } }),
            "expectedVersion",
            "CONFLICT",
        )
        .await;
    let repriced = staff
        .data(
            UPDATE_PRODUCT,
            json!({ "input": { "id": wine, "expectedVersion": 1, "price": "24.50" } }),
        )
        .await;
    assert_eq!(
        repriced["product"]["price"]["amount"], "24.50",
        "{repriced}"
    );
    let actions = app.audit_actions(&wine).await;
    assert_eq!(actions, ["product.created", "product.updated"]);
}

#[tokio::test]
async fn racing_adjustments_never_take_stock_below_zero() {
    let app = TestApp::spawn().await;
    let syd = location(&app, "SYD-1", "WAREHOUSE").await;
    let mug = product(&app, "MUG", json!({})).await;
    adjust(
        &app,
        json!({ "productId": mug, "locationId": syd, "quantity": 10, "reason": "In" }),
    )
    .await;
    let takes = (0..30).map(|i| {
        adjust(
            &app,
            json!({ "productId": mug, "locationId": syd, "quantity": -1, "reason": format!("Sale {i}") }),
        )
    });
    let results = futures::future::join_all(takes).await;
    let succeeded = results.iter().filter(|r| user_errors(r).is_empty()).count();
    let refused: Vec<String> = results
        .iter()
        .flat_map(|r| user_errors(r).into_iter().map(|(_, code)| code))
        .collect();
    assert_eq!(succeeded, 10);
    assert!(
        refused.iter().all(|c| c == "INSUFFICIENT_STOCK"),
        "{refused:?}"
    );
    let stock = app.admin().data(PRODUCT_STOCK, json!({ "id": mug })).await;
    assert_eq!(stock["stock"][0]["onHand"], 0);
}
