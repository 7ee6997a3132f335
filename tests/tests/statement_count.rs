//! Reading a page of orders with their lines, products and customers costs
//! a bounded number of SQL statements, however long the page (DataLoaders
//! batch every relation). Its own test binary: the statement watch is
//! process-wide.

use domain::kernel::db::statements;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::time::Duration;
use tests::{Op, Role, TestApp, nodes, wait_for};

const ORDERS: &str = "query($first: Int) { orders(first: $first) { edges { node { number customer { name } lines { sku product { name stock { onHand } } } } } } }";

#[tokio::test]
async fn a_page_of_orders_with_its_relations_costs_a_fixed_number_of_statements() {
    let app = TestApp::spawn().await;
    let staff = app.as_role(Role::Fulfilment);
    let mut products = Vec::new();
    for sku in ["A-1", "B-1", "C-1"] {
        let created = staff
            .data(
                Op { field: "createProduct", document: "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }" },
                json!({ "input": { "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE", "price": "10.00", "weightGrams": 100 } }),
            )
            .await;
        products.push(created["product"]["id"].clone());
    }
    let mut customers = Vec::new();
    for i in 0..5 {
        customers.push(
            app.admin()
                .new_customer(json!({ "name": format!("Customer {i}") }))
                .await,
        );
    }
    for i in 0..50 {
        let placed = staff
            .data(
                Op { field: "placeOrder", document: "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }" },
                json!({ "input": { "customerId": customers[i % 5],
                    "lines": [{ "productId": products[i % 3], "quantity": 1 }, { "productId": products[(i + 1) % 3], "quantity": 2 }],
                    "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                    "requiredDeliveryDate": "2026-12-18" } }),
            )
            .await;
        assert_eq!(placed["userErrors"], json!([]), "{placed}");
    }
    // The embedded worker reads each new order for its confirmation email;
    // let it finish, so only the read below is counted.
    if app.has_embedded_worker() {
        wait_for(
            "every order.placed job done",
            Duration::from_secs(60),
            async || {
                entity::outbox::Entity::find()
                    .filter(entity::outbox::Column::Topic.eq("order.placed"))
                    .filter(entity::outbox::Column::ProcessedAt.is_not_null())
                    .count(app.db())
                    .await
                    .unwrap()
                    == 50
            },
        )
        .await;
    }
    let watched = [
        "sales_order",
        "order_line",
        "product",
        "party",
        "stock_level",
        "stock_location",
    ];
    let mut counts = Vec::new();
    let mut seen = Vec::new();
    for first in [5, 50] {
        statements::watch(&watched);
        let page = app.admin().post(ORDERS, json!({ "first": first })).await;
        let counted = statements::finish();
        assert!(page["errors"].is_null(), "{page}");
        assert_eq!(nodes(&page["data"]["orders"]).len(), first as usize);
        counts.push(counted.len());
        seen = counted;
    }
    // One statement each for orders, lines, products, customers, stock
    // levels and locations, or a few more on a starved machine where a
    // loader's keys arrive across batching windows. The bound does not
    // grow with the page: without batching, 50 orders cost over 100.
    for count in &counts {
        assert!(*count <= 20, "{counts:?}:\n{}", seen.join("\n"));
    }
}
