//! A small shop for flow tests: a warehouse, stocked products, orders
//! placed by staff and reserved through their approval.

use crate::{Op, Role, TestApp, user_errors};
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
    let staff = app.as_role(Role::Fulfilment);
    let created = staff
        .data(
            op("createProduct", "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }"),
            json!({ "input": { "sku": sku, "name": format!("Product {sku}"), "taxCode": tax_code, "price": price, "pricesIncludeGst": inclusive, "weightGrams": 500 } }),
        )
        .await;
    let id = created["product"]["id"]
        .as_str()
        .expect("created")
        .to_owned();
    staff
        .data(
            op("adjustStock", "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } } }"),
            json!({ "input": { "productId": id, "locationId": location, "quantity": 1000, "reason": "count" } }),
        )
        .await;
    id
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
        .data(
            op("placeOrder", "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { field code message } } }"),
            json!({ "input": { "customerId": customer, "lines": lines, "shippingAddress": address,
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    assert!(user_errors(&placed).is_empty(), "{placed}");
    placed["order"]["id"].as_str().unwrap().to_owned()
}

/// Request the order's reservation; approve it by a second person when the
/// policy does not approve it at once.
pub async fn reserve(app: &TestApp, order: &str) {
    let requested = app
        .person("fulfil-1", Role::Fulfilment)
        .data(
            op("requestReservation", "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { id status } userErrors { code } } }"),
            json!({ "id": order }),
        )
        .await;
    assert!(user_errors(&requested).is_empty(), "{requested}");
    if requested["approval"]["status"] != "APPROVED" {
        let decided = app
            .person("fulfil-2", Role::Fulfilment)
            .data(
                op("decideApproval", "mutation($id: ID!) { decideApproval(input: { id: $id, decision: APPROVE }) { approval { status } userErrors { code } } }"),
                json!({ "id": requested["approval"]["id"] }),
            )
            .await;
        assert_eq!(decided["approval"]["status"], "APPROVED", "{decided}");
    }
}
