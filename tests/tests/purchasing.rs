//! Purchasing (the product-fulfilment process, step 1) through GraphQL and
//! the worker: a backordered order sourced by a purchase order that is
//! approved and emailed to its supplier, goods received with a batch and a
//! passing QC that the waiting order is reserved and shipped from, failed-QC
//! goods that are never reservable, and bad receipts refused.

use serde_json::{Value, json};
use std::time::Duration;
use tests::fulfil::*;
use tests::shop::{op, place, reserve, warehouse};
use tests::{Op, Role, TestApp, input_error, user_errors, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

const SOURCE: Op = Op {
    field: "sourceBackorder",
    document: "mutation($input: SourceBackorderInput!) { sourceBackorder(input: $input) { purchaseOrder { id number status total { amount } lines { id quantity unitCost { amount } } } userErrors { field code message } } }",
};
const SEND: Op = Op {
    field: "sendPurchaseOrder",
    document: "mutation($id: ID!) { sendPurchaseOrder(input: { purchaseOrderId: $id }) { purchaseOrder { id status approval { id status } } userErrors { field code message } } }",
};
const RECEIVE: Op = Op {
    field: "receiveGoods",
    document: "mutation($input: ReceiveGoodsInput!) { receiveGoods(input: $input) { goodsReceipt { id qcPassed lines { quantity batchCode serials } } userErrors { field code message } } }",
};
const PURCHASE_ORDER: Op = Op {
    field: "purchaseOrder",
    document: "query($id: ID!) { purchaseOrder(id: $id) { status lines { quantity receivedQuantity } receipts { qcPassed } } }",
};

async fn quarantine(app: &TestApp) -> String {
    app.as_role(Role::Fulfilment)
        .data(
            op("createStockLocation", "mutation($input: CreateStockLocationInput!) { createStockLocation(input: $input) { stockLocation { id } } }"),
            json!({ "input": { "code": format!("QC-{}", &uuid::Uuid::now_v7().simple().to_string()[26..]), "name": "Quarantine", "region": "AUSTRALIA", "kind": "QUARANTINE" } }),
        )
        .await["stockLocation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A product with no stock, supplied by a new supplier at `cost`: (product, supplier).
async fn sourced_product(app: &TestApp, sku: &str, cost: &str, extra: Value) -> (String, String) {
    let buyer = app.as_role(Role::Finance);
    let mut input = json!({ "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE",
        "price": "50.00", "pricesIncludeGst": true, "weightGrams": 900 });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let product = app
        .as_role(Role::Fulfilment)
        .data(
            op("createProduct", "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }"),
            json!({ "input": input }),
        )
        .await["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let supplier = buyer
        .data(
            op("createSupplier", "mutation($input: CreateSupplierInput!) { createSupplier(input: $input) { supplier { id } userErrors { code } } }"),
            json!({ "input": { "name": format!("Supplier of {sku}"), "email": format!("orders-{}@supplier.example.com", sku.to_lowercase()), "abn": "51 824 753 556" } }),
        )
        .await["supplier"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = buyer
        .data(
            op("setSupplierProduct", "mutation($input: SetSupplierProductInput!) { setSupplierProduct(input: $input) { userErrors { field code } } }"),
            json!({ "input": { "supplierId": supplier, "productId": product, "supplierSku": format!("S-{sku}"), "unitCost": cost, "leadTimeDays": 5 } }),
        )
        .await;
    assert!(user_errors(&set).is_empty(), "{set}");
    (product, supplier)
}

/// A customer's order of `quantity` with nothing in stock: BACKORDERED.
async fn backordered(app: &TestApp, product: &str, quantity: i32, email: &str) -> String {
    let customer = app
        .admin()
        .new_customer(json!({ "name": "Kim Lee", "email": email }))
        .await;
    let order = place(app, &customer, &[(product, quantity)], None).await;
    reserve(app, &order).await;
    assert_eq!(order_of(app, &order).await["status"], "BACKORDERED");
    order
}

/// Source the backorder and get its purchase order approved and sent.
async fn sent_purchase_order(app: &TestApp, order: &str, supplier: &str) -> Value {
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let sourced = buyer
        .data(
            SOURCE,
            json!({ "input": { "orderId": order, "supplierId": supplier } }),
        )
        .await;
    assert!(user_errors(&sourced).is_empty(), "{sourced}");
    let po = sourced["purchaseOrder"].clone();
    let sent = buyer.data(SEND, json!({ "id": po["id"] })).await;
    assert!(user_errors(&sent).is_empty(), "{sent}");
    if sent["purchaseOrder"]["status"] != "SENT" {
        // From $500 FINANCE decides.
        let decided = app
            .person("finance-1", Role::Finance)
            .data(
                op("decideApproval", "mutation($id: ID!) { decideApproval(input: { id: $id, decision: APPROVE }) { approval { status } userErrors { code } } }"),
                json!({ "id": sent["purchaseOrder"]["approval"]["id"] }),
            )
            .await;
        assert_eq!(decided["approval"]["status"], "APPROVED", "{decided}");
    }
    let now = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(now["status"], "SENT");
    po
}

fn passed() -> Value {
    json!([{ "item": "Packaging intact", "passed": true }, { "item": "Matches the order", "passed": true }])
}

#[tokio::test]
async fn a_backorder_is_sourced_received_with_a_batch_and_shipped_from_the_receipt() {
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
    let location = warehouse(&app).await;
    let (product, supplier) =
        sourced_product(&app, "HEATER-1", "180.00", json!({ "batchTracked": true })).await;
    let order = backordered(&app, &product, 3, "kim@example.com.au").await;
    let po = sent_purchase_order(&app, &order, &supplier).await;
    assert_eq!(po["lines"][0]["quantity"], 3);
    assert_eq!(po["total"]["amount"], "594.00", "3 × $180 + GST");
    wait_for_sent_email(
        &app,
        entity::NotificationKind::PurchaseOrder,
        po["id"].as_str().unwrap(),
    )
    .await;

    // Two units first (the line stays open), then the last one.
    let receiver = app.as_role(Role::Fulfilment);
    let line = po["lines"][0]["id"].clone();
    let receive = |quantity: i32| {
        json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": "2026-11-24", "locationId": location,
            "lines": [{ "purchaseOrderLineId": line, "quantity": quantity, "batchCode": "lot-9", "expiresOn": "2028-01-31" }],
            "checklist": passed(), "qcNotes": "all good" } })
    };
    let first = receiver.data(RECEIVE, receive(2)).await;
    assert!(user_errors(&first).is_empty(), "{first}");
    assert_eq!(first["goodsReceipt"]["lines"][0]["batchCode"], "LOT-9");
    let partly = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(partly["status"], "PARTIALLY_RECEIVED");
    let over = receiver.data(RECEIVE, receive(2)).await;
    assert_eq!(
        user_errors(&over),
        [(
            vec![
                "input".into(),
                "lines".into(),
                "0".into(),
                "quantity".into()
            ],
            "OUT_OF_RANGE".into()
        )]
    );
    let last = receiver.data(RECEIVE, receive(1)).await;
    assert!(user_errors(&last).is_empty(), "{last}");
    let received = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(received["status"], "RECEIVED");
    assert_eq!(received["lines"][0]["receivedQuantity"], 3);

    // The waiting order is reserved from the receipt (its approval decided
    // by a person when the policy asks for one), invoiced, and its customer told.
    wait_for(
        "the order to ask for its reservation",
        PATIENCE,
        async || order_of(&app, &order).await["status"] != "BACKORDERED",
    )
    .await;
    if order_of(&app, &order).await["status"] == "AWAITING_RESERVATION" {
        use sea_orm::EntityTrait;
        let row = entity::sales_order::Entity::find_by_id(uuid::Uuid::parse_str(&order).unwrap())
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        let approval = row.reservation_approval_id.unwrap().to_string();
        app.person("fulfil-2", Role::Fulfilment)
            .data(
                op("decideApproval", "mutation($id: ID!) { decideApproval(input: { id: $id, decision: APPROVE }) { approval { status } } }"),
                json!({ "id": approval }),
            )
            .await;
    }
    wait_for("the order invoiced", PATIENCE, async || {
        order_of(&app, &order).await["status"] == "INVOICED"
    })
    .await;
    wait_for_sent_email(&app, entity::NotificationKind::BackorderArrived, &order).await;

    // Paid and shipped from the received batch.
    capture(&app, &order).await;
    let lines = line_ids(&app, &order).await;
    let packed = app
        .as_role(Role::Fulfilment)
        .data(PACK, json!({ "input": { "orderId": order, "locationId": location, "weightGrams": 2700, "items": [{ "orderLineId": lines[0], "quantity": 3 }] } }))
        .await;
    assert!(user_errors(&packed).is_empty(), "{packed}");
    assert_eq!(packed["shipment"]["items"][0]["batchCode"], "LOT-9");
}

#[tokio::test]
async fn goods_that_fail_qc_land_in_quarantine_and_are_never_reservable() {
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
    let location = warehouse(&app).await;
    let hold = quarantine(&app).await;
    let (product, supplier) = sourced_product(&app, "FAN-1", "20.00", json!({})).await;
    let order = backordered(&app, &product, 2, "lou@example.com.au").await;
    let po = sent_purchase_order(&app, &order, &supplier).await;
    let failed = json!([{ "item": "Packaging intact", "passed": true }, { "item": "Powers on", "passed": false }]);
    let receive = |at: &str| {
        json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": "2026-11-24", "locationId": at,
            "lines": [{ "purchaseOrderLineId": po["lines"][0]["id"], "quantity": 2 }], "checklist": failed, "qcNotes": "two units dead on arrival" } })
    };
    // Failed goods may not go to a warehouse.
    let wrong = app
        .as_role(Role::Fulfilment)
        .data(RECEIVE, receive(&location))
        .await;
    assert_eq!(
        user_errors(&wrong),
        [input_error("locationId", "INVALID_STATE")]
    );
    let held = app
        .as_role(Role::Fulfilment)
        .data(RECEIVE, receive(&hold))
        .await;
    assert!(user_errors(&held).is_empty(), "{held}");
    assert_eq!(held["goodsReceipt"]["qcPassed"], false);

    // Asked again, the order still finds nothing it may take.
    let again = app
        .person("fulfil-1", Role::Fulfilment)
        .data(
            op("requestReservation", "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { id status } userErrors { code } } }"),
            json!({ "id": order }),
        )
        .await;
    if again["approval"]["status"] != "APPROVED" {
        app.person("fulfil-2", Role::Fulfilment)
            .data(
                op("decideApproval", "mutation($id: ID!) { decideApproval(input: { id: $id, decision: APPROVE }) { approval { status } } }"),
                json!({ "id": again["approval"]["id"] }),
            )
            .await;
    }
    assert_eq!(order_of(&app, &order).await["status"], "BACKORDERED");
    let stock = app
        .as_role(Role::Fulfilment)
        .data(op("product", "query($id: ID!) { product(id: $id) { stock { onHand available location { id } } } }"), json!({ "id": product }))
        .await;
    let levels = stock["stock"].as_array().unwrap();
    assert_eq!(levels.len(), 1);
    assert_eq!(levels[0]["location"]["id"], hold.as_str());
    assert_eq!(levels[0]["onHand"], 2);
    assert_eq!(levels[0]["available"], 0);
}

#[tokio::test]
async fn bad_purchasing_steps_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
    let location = warehouse(&app).await;
    let (clock_, supplier) =
        sourced_product(&app, "CLOCK-9", "10.00", json!({ "serialTracked": true })).await;
    let buyer = app.as_role(Role::Fulfilment);
    let create = |product: &str, quantity: i32| json!({ "input": { "supplierId": supplier, "lines": [{ "productId": product, "quantity": quantity }] } });
    let create_op = op(
        "createPurchaseOrder",
        "mutation($input: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $input) { purchaseOrder { id lines { id } } userErrors { field code } } }",
    );
    let negative = buyer.data(create_op, create(&clock_, -2)).await;
    assert_eq!(
        user_errors(&negative),
        [(
            vec![
                "input".into(),
                "lines".into(),
                "0".into(),
                "quantity".into()
            ],
            "INVALID_QUANTITY".into()
        )]
    );
    // An inactive product is not purchased.
    let (retired, _) = sourced_product(&app, "OLD-1", "5.00", json!({})).await;
    let version = app
        .admin()
        .data(
            op(
                "product",
                "query($id: ID!) { product(id: $id) { version } }",
            ),
            json!({ "id": retired }),
        )
        .await["version"]
        .clone();
    app.as_role(Role::Fulfilment)
        .data(
            op("updateProduct", "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { userErrors { code } } }"),
            json!({ "input": { "id": retired, "expectedVersion": version, "active": false } }),
        )
        .await;
    let inactive = buyer.data(create_op, create(&retired, 1)).await;
    assert_eq!(
        user_errors(&inactive),
        [(
            vec![
                "input".into(),
                "lines".into(),
                "0".into(),
                "productId".into()
            ],
            "INVALID_STATE".into()
        )]
    );

    // Serials: one per unit, never twice for one product.
    let po = buyer.data(create_op, create(&clock_, 6)).await["purchaseOrder"].clone();
    let sent = buyer.data(SEND, json!({ "id": po["id"] })).await;
    assert_eq!(
        sent["purchaseOrder"]["status"], "SENT",
        "under $500: approved at once"
    );
    let receive = |serials: Value| {
        json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": "2026-11-24", "locationId": location,
            "lines": [{ "purchaseOrderLineId": po["lines"][0]["id"], "quantity": 2, "serials": serials }], "checklist": passed() } })
    };
    let first = buyer.data(RECEIVE, receive(json!(["c-1", "c-2"]))).await;
    assert!(user_errors(&first).is_empty(), "{first}");
    let serial_at = (
        vec!["input".into(), "lines".into(), "0".into(), "serials".into()],
        "ALREADY_EXISTS".to_owned(),
    );
    let twice = buyer.data(RECEIVE, receive(json!(["C-2", "c-3"]))).await;
    assert_eq!(user_errors(&twice), std::slice::from_ref(&serial_at));
    let doubled = buyer.data(RECEIVE, receive(json!(["c-4", "C-4"]))).await;
    assert_eq!(user_errors(&doubled), [serial_at]);

    // A cancelled purchase order receives nothing.
    let other = buyer.data(create_op, create(&clock_, 1)).await["purchaseOrder"].clone();
    let cancelled = buyer
        .data(
            op("cancelPurchaseOrder", "mutation($id: ID!) { cancelPurchaseOrder(input: { purchaseOrderId: $id, reason: \"not needed\" }) { purchaseOrder { status } userErrors { code } } }"),
            json!({ "id": other["id"] }),
        )
        .await;
    assert_eq!(cancelled["purchaseOrder"]["status"], "CANCELLED");
    let refused = buyer
        .data(
            RECEIVE,
            json!({ "input": { "purchaseOrderId": other["id"], "receivedOn": "2026-11-24", "locationId": location,
                "lines": [{ "purchaseOrderLineId": other["lines"][0]["id"], "quantity": 1, "serials": ["c-9"] }], "checklist": passed() } }),
        )
        .await;
    assert_eq!(
        user_errors(&refused),
        [input_error("purchaseOrderId", "ILLEGAL_TRANSITION")]
    );
    let now = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(
        now["lines"][0]["receivedQuantity"], 2,
        "refusals received nothing"
    );
    assert_eq!(now["receipts"].as_array().unwrap().len(), 1);
}

async fn wait_for_sent_email(app: &TestApp, kind: entity::NotificationKind, subject: &str) {
    wait_for(&format!("the {kind:?} email"), PATIENCE, async || {
        app.notifications_of(kind, subject)
            .await
            .iter()
            .any(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
}
