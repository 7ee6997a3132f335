//! Purchasing (the product-fulfilment process, step 1) through GraphQL and
//! the worker: a backordered order sourced by a purchase order that is
//! approved and emailed to its supplier, goods received with a batch and a
//! passing QC that the waiting order is reserved and shipped from, failed-QC
//! goods that are never reservable, and bad receipts refused.

use serde_json::{Value, json};
use tests::fulfil::*;
use tests::purchasing::*;
use tests::shop::{change_product, op, warehouse};
use tests::{Role, TestApp, input_error, input_path_error, user_errors};

#[tokio::test]
async fn a_backorder_is_sourced_received_with_a_batch_and_shipped_from_the_receipt() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
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

    // A short receipt leaves the line open; more than is left is refused
    // (on a purchase order nobody waits on, so nothing is served meanwhile).
    let receiver = app.as_role(Role::Fulfilment);
    let (spare, spare_supplier) =
        sourced_product(&app, "HEATER-2", "180.00", json!({ "batchTracked": true })).await;
    let stock_po = sent_by_hand(&app, &spare_supplier, &spare, 3).await;
    let receive = |po: &Value, quantity: i32| {
        let batch = json!({ "batchCode": "lot-9", "expiresOn": "2028-01-31" });
        let mut variables = receipt(po, &location, quantity, passed(), batch);
        variables["input"]["qcNotes"] = json!("all good");
        variables
    };
    let first = receiver.accepted(RECEIVE, receive(&stock_po, 2)).await;
    assert_eq!(first["goodsReceipt"]["lines"][0]["batchCode"], "LOT-9");
    let partly = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": stock_po["id"] }))
        .await;
    assert_eq!(partly["status"], "PARTIALLY_RECEIVED");
    let over = receiver.data(RECEIVE, receive(&stock_po, 2)).await;
    assert_eq!(
        user_errors(&over),
        [input_path_error("lines.0.quantity", "OUT_OF_RANGE")]
    );
    receiver.accepted(RECEIVE, receive(&stock_po, 1)).await;
    let received = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": stock_po["id"] }))
        .await;
    assert_eq!(received["status"], "RECEIVED");
    assert_eq!(received["lines"][0]["receivedQuantity"], 3);

    // The backorder's goods arrive in one receipt.
    receiver.accepted(RECEIVE, receive(&po, 3)).await;

    // The waiting order is reserved from the receipt (its approval decided
    // by a person when the policy asks for one), invoiced, and its customer told.
    invoiced_after_arrival(&app, &order).await;
    wait_for_sent_email(&app, entity::NotificationKind::BackorderArrived, &order).await;

    // Paid and shipped from the received batch.
    capture(&app, &order).await;
    let lines = line_ids(&app, &order).await;
    let packed = app
        .as_role(Role::Fulfilment)
        .accepted(PACK, json!({ "input": { "orderId": order, "locationId": location, "weightGrams": 2700, "items": [{ "orderLineId": lines[0], "quantity": 3 }] } }))
        .await;
    assert_eq!(packed["shipment"]["items"][0]["batchCode"], "LOT-9");
}

#[tokio::test]
async fn goods_that_fail_qc_land_in_quarantine_and_are_never_reservable() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let hold = quarantine(&app).await;
    let (product, supplier) = sourced_product(&app, "FAN-1", "20.00", json!({})).await;
    let order = backordered(&app, &product, 2, "lou@example.com.au").await;
    let po = sent_purchase_order(&app, &order, &supplier).await;
    let receive = |at: &str| {
        let mut variables = receipt(&po, at, 2, failed(), json!({}));
        variables["input"]["qcNotes"] = json!("two units dead on arrival");
        variables
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
        .accepted(RECEIVE, receive(&hold))
        .await;
    assert_eq!(held["goodsReceipt"]["qcPassed"], false);

    // Asked again, the order still finds nothing it may take.
    let again = tests::shop::request_reservation(&app, &order).await;
    if again["approval"]["status"] != "APPROVED" {
        let approval = &again["approval"]["id"];
        app.decide_approval("fulfil-2", Role::Fulfilment, approval, "APPROVE", None)
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
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
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
        [input_path_error("lines.0.quantity", "INVALID_QUANTITY")]
    );
    // An inactive product is not purchased.
    let (retired, _) = sourced_product(&app, "OLD-1", "5.00", json!({})).await;
    change_product(&app, &retired, json!({ "active": false })).await;
    let inactive = buyer.data(create_op, create(&retired, 1)).await;
    assert_eq!(
        user_errors(&inactive),
        [input_path_error("lines.0.productId", "INVALID_STATE")]
    );

    // Serials: one per unit, never twice for one product.
    let po = buyer.data(create_op, create(&clock_, 6)).await["purchaseOrder"].clone();
    let sent = buyer.data(SEND, json!({ "id": po["id"] })).await;
    assert_eq!(
        sent["purchaseOrder"]["status"], "SENT",
        "under $500: approved at once"
    );
    let receive =
        |serials: Value| receipt(&po, &location, 2, passed(), json!({ "serials": serials }));
    buyer
        .accepted(RECEIVE, receive(json!(["c-1", "c-2"])))
        .await;
    let serial_at = input_path_error("lines.0.serials", "ALREADY_EXISTS");
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
    let serial = json!({ "serials": ["c-9"] });
    let refused = buyer
        .data(RECEIVE, receipt(&other, &location, 1, passed(), serial))
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

/// Goods for one of three waiting orders arrive: the first (earliest
/// required date, then oldest) is reserved and is the only one told its
/// goods arrived; the other two still wait, untold, for goods of their own.
#[tokio::test]
async fn goods_for_one_of_three_waiting_orders_serve_and_tell_only_that_one() {
    // No worker: the receipt's follow-up is run here, so what it answers is seen.
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let (product, supplier) = sourced_product(&app, "FAN-3", "60.00", json!({})).await;
    let mut waiting = Vec::new();
    for n in 1..=3 {
        waiting.push(backordered(&app, &product, 1, &format!("wait{n}@example.com.au")).await);
    }
    let po = sent_by_hand(&app, &supplier, &product, 1).await;
    let received = app
        .as_role(Role::Fulfilment)
        .accepted(RECEIVE, receipt(&po, &location, 1, passed(), json!({})))
        .await;
    let receipt_id =
        uuid::Uuid::parse_str(received["goodsReceipt"]["id"].as_str().unwrap()).unwrap();

    let asked = domain::purchasing::allocate_receipt(
        app.db(),
        &app.system_ctx(),
        &domain::rules::calendar::BusinessCalendar::default(),
        receipt_id,
    )
    .await
    .unwrap();
    let first = uuid::Uuid::parse_str(&waiting[0]).unwrap();
    assert_eq!(asked, [first], "only the order that got its goods is told");
    assert_eq!(order_of(&app, &waiting[0]).await["status"], "INVOICED");
    for order in &waiting[1..] {
        assert_eq!(order_of(&app, order).await["status"], "BACKORDERED");
    }
}
