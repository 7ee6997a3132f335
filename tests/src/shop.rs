//! A small shop for flow tests: a warehouse, stocked products, orders
//! placed by staff and reserved through their approval.

use crate::{Op, Role, TestApp, id_of, user_errors, with_fields};
use serde_json::{Value, json};

/// An operation named by its field, for one-off documents.
pub fn op(field: &'static str, document: &'static str) -> Op {
    Op { field, document }
}

/// A warehouse to stock products in.
pub async fn warehouse(app: &TestApp) -> String {
    // A fresh code each time: a test may stock several warehouses.
    let code = format!("SYD-{}", &uuid::Uuid::now_v7().simple().to_string()[26..]);
    app.as_role(Role::Fulfilment)
        .data(
            op("createStockLocation", "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } } }"),
            json!({ "input": { "code": code, "name": "Sydney", "region": "AUSTRALIA" } }),
        )
        .await["stockLocation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A product with 1,000 units in `location`.
pub async fn product(
    app: &TestApp,
    location: &str,
    sku: &str,
    price: &str,
    tax_code: &str,
    inclusive: bool,
) -> String {
    let id = create_product(
        app,
        json!({ "sku": sku, "name": format!("Product {sku}"), "taxCode": tax_code, "price": price, "pricesIncludeGst": inclusive, "weightGrams": 500 }),
    )
    .await;
    add_stock(app, &id, location, 1000, json!({})).await;
    id
}

/// Fulfilment staff create a product from `input`, which must be accepted:
/// its id.
pub async fn create_product(app: &TestApp, input: Value) -> String {
    let created = app
        .as_role(Role::Fulfilment)
        .accepted(
            op("createProduct", "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }"),
            json!({ "input": input }),
        )
        .await;
    id_of(&created["product"])
}

/// A SERVICE product (no stock, GST included in `price`) named `name`: its id.
pub async fn service(app: &TestApp, sku: &str, name: &str, price: &str) -> String {
    create_product(
        app,
        json!({ "sku": sku, "name": name, "kind": "SERVICE", "taxCode": "TAXABLE", "price": price, "pricesIncludeGst": true, "weightGrams": 0 }),
    )
    .await
}

/// Fulfilment staff count `quantity` units of `product` into `location`
/// (with `extra` fields, e.g. its batch), which must be accepted.
pub async fn add_stock(app: &TestApp, product: &str, location: &str, quantity: i32, extra: Value) {
    let input = with_fields(
        json!({ "productId": product, "locationId": location, "quantity": quantity, "reason": "count" }),
        &extra,
    );
    app.as_role(Role::Fulfilment)
        .accepted(
            op("adjustStock", "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } userErrors { field code } } }"),
            json!({ "input": input }),
        )
        .await;
}

/// Change a product (from whatever version it is at) by `changes` as
/// fulfilment staff, which must be accepted: the product after.
pub async fn change_product(app: &TestApp, product: &str, changes: Value) -> Value {
    let version = app
        .admin()
        .data(
            op(
                "product",
                "query($id: ID!) { product(id: $id) { version } }",
            ),
            json!({ "id": product }),
        )
        .await["version"]
        .clone();
    let input = with_fields(
        json!({ "id": product, "expectedVersion": version }),
        &changes,
    );
    let changed = app
        .as_role(Role::Fulfilment)
        .accepted(
            op("updateProduct", "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { price { amount } active } userErrors { code } } }"),
            json!({ "input": input }),
        )
        .await;
    changed["product"].clone()
}

/// Place an order of `lines` (product, quantity) for `customer`, shipped
/// standard to Sydney or, with `country`, abroad; its id.
pub async fn place(
    app: &TestApp,
    customer: &str,
    lines: &[(&str, i32)],
    country: Option<&str>,
) -> String {
    let address = match country {
        None => {
            json!({ "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" })
        }
        Some(c) => {
            json!({ "line1": "12 Queen St", "suburb": "Auckland", "state": "Auckland", "postcode": "1010", "country": c })
        }
    };
    let lines: Vec<Value> = lines
        .iter()
        .map(|(p, q)| json!({ "productId": p, "quantity": q }))
        .collect();
    let placed = app
        .person("clerk", Role::Fulfilment)
        .accepted(
            op("placeOrder", "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { field code message } } }"),
            json!({ "input": { "customerId": customer, "lines": lines, "shippingAddress": address,
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    placed["order"]["id"].as_str().unwrap().to_owned()
}

/// A fulfilment clerk requests the order's reservation: the payload.
pub async fn request_reservation(app: &TestApp, order: &str) -> Value {
    app.person("fulfil-1", Role::Fulfilment)
        .data(
            op("requestReservation", "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { id status } userErrors { code } } }"),
            json!({ "id": order }),
        )
        .await
}

/// Request the order's reservation; approve it by a second person when the
/// policy does not approve it at once.
pub async fn reserve(app: &TestApp, order: &str) {
    let requested = request_reservation(app, order).await;
    assert!(user_errors(&requested).is_empty(), "{requested}");
    if requested["approval"]["status"] != "APPROVED" {
        app.approve("fulfil-2", Role::Fulfilment, &requested["approval"]["id"])
            .await;
    }
}
