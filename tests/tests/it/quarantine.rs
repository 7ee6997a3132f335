//! Purchasing leftovers through GraphQL and the worker: goods that failed
//! QC are held in quarantine, released into a warehouse only after a
//! re-inspection every check of which passed (then reserved for the order
//! waiting on them), or returned to the supplier; and purchase orders
//! closed, short-closed only with a reason, after which nothing is received.

use entity::{MovementKind, stock_movement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tests::fulfil::order_of;
use tests::purchasing::*;
use tests::shop::warehouse;
use tests::{Role, TestApp, error_code, input_error, path_error, user_errors};
use uuid::Uuid;

tests::op_const!(RELEASE = "releaseQuarantinedStock": "mutation($input: ReleaseQuarantinedStockInput!) { releaseQuarantinedStock(input: $input) { stockLevel { id onHand reserved available batchCode expiresOn location { id kind } product { id } } userErrors { field code message } } }");
tests::op_const!(RETURN = "returnToSupplier": "mutation($input: ReturnToSupplierInput!) { returnToSupplier(input: $input) { stockLevel { id onHand available location { id kind } } userErrors { field code message } } }");
tests::op_const!(CLOSE = "closePurchaseOrder": "mutation($input: ClosePurchaseOrderInput!) { closePurchaseOrder(input: $input) { purchaseOrder { id status statusReason } userErrors { field code message } } }");
tests::op_const!(STOCK = "product": "query($id: ID!) { product(id: $id) { stock { id onHand reserved available batchCode expiresOn location { id kind } } } }");

/// A product's stock levels.
async fn stock_of(app: &TestApp, product: &str) -> Vec<Value> {
    app.as_role(Role::Fulfilment)
        .data(STOCK, json!({ "id": product }))
        .await["stock"]
        .as_array()
        .unwrap()
        .clone()
}

/// The level of `product` at `location`.
async fn level_at(app: &TestApp, product: &str, location: &str) -> Value {
    stock_of(app, product)
        .await
        .into_iter()
        .find(|l| l["location"]["id"] == location)
        .unwrap_or_else(|| panic!("no stock of {product} at {location}"))
}

/// A product's stock ledger, oldest first: (kind, quantity, location, on hand after).
async fn movements(app: &TestApp, product: &str) -> Vec<(MovementKind, i32, String, i32)> {
    stock_movement::Entity::find()
        .filter(stock_movement::Column::ProductId.eq(Uuid::parse_str(product).unwrap()))
        .order_by_asc(stock_movement::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            (
                m.kind,
                m.quantity,
                m.location_id.to_string(),
                m.on_hand_after,
            )
        })
        .collect()
}

#[tokio::test]
async fn quarantined_goods_are_released_after_a_passed_re_inspection_and_reserved_for_the_waiting_order()
 {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let hold = quarantine(&app).await;
    let (product, supplier) =
        sourced_product(&app, "KETTLE-1", "20.00", json!({ "batchTracked": true })).await;
    let order = backordered(&app, &product, 2, "ana@example.com.au").await;
    let po = sent_purchase_order(&app, &order, &supplier).await;
    let buyer = app.as_role(Role::Fulfilment);

    // Both units fail QC: held in quarantine, never reservable.
    let held = buyer
        .accepted(
            RECEIVE,
            receipt(
                &po,
                &hold,
                2,
                failed(),
                json!({ "batchCode": "lot-4", "expiresOn": "2028-06-30" }),
            ),
        )
        .await;
    let level = held["goodsReceipt"]["lines"][0]["stockLevelId"]
        .as_str()
        .unwrap()
        .to_owned();
    let stock = stock_of(&app, &product).await;
    assert_eq!(stock.len(), 1);
    assert_eq!(stock[0]["id"], level.as_str());
    assert_eq!(stock[0]["location"]["kind"], "QUARANTINE");
    assert_eq!(
        (&stock[0]["onHand"], &stock[0]["available"]),
        (&json!(2), &json!(0))
    );
    let again = tests::shop::request_reservation(&app, &order).await;
    if again["approval"]["status"] == "PENDING" {
        let approval = &again["approval"]["id"];
        app.decide_approval("fulfil-2", Role::Fulfilment, approval, "APPROVE", None)
            .await;
    }
    assert_eq!(order_of(&app, &order).await["status"], "BACKORDERED");

    // Bad releases are refused and move nothing.
    let release = |quantity: i32, to: &str, checklist: Value| {
        json!({ "input": { "stockLevelId": level, "quantity": quantity, "toLocationId": to,
            "checklist": checklist, "notes": "re-tested on the bench" } })
    };
    let failed_again = buyer.data(RELEASE, release(2, &location, failed())).await;
    assert_eq!(
        user_errors(&failed_again),
        [path_error(
            &["input", "checklist", "1", "passed"],
            "INVALID_STATE"
        )],
        "a failed re-inspection cannot release"
    );
    assert!(failed_again["stockLevel"].is_null());
    for (case, input, expected) in [
        (
            "unchecked",
            release(2, &location, json!([])),
            input_error("checklist", "REQUIRED"),
        ),
        (
            "to quarantine",
            release(2, &hold, passed()),
            input_error("toLocationId", "INVALID_STATE"),
        ),
        (
            "too many",
            release(3, &location, passed()),
            input_error("quantity", "OUT_OF_RANGE"),
        ),
        (
            "none",
            release(0, &location, passed()),
            input_error("quantity", "OUT_OF_RANGE"),
        ),
    ] {
        let refused = buyer.data(RELEASE, input).await;
        assert_eq!(user_errors(&refused), [expected], "{case}");
    }
    let still = level_at(&app, &product, &hold).await;
    assert_eq!(still["onHand"], 2, "refusals moved nothing");
    assert_eq!(stock_of(&app, &product).await.len(), 1);

    // A passed re-inspection releases them, batch and expiry kept.
    let released = buyer
        .accepted(RELEASE, release(2, &location, passed()))
        .await;
    let landed = &released["stockLevel"];
    assert_eq!(landed["location"]["id"], location.as_str());
    assert_eq!(landed["location"]["kind"], "WAREHOUSE");
    assert_eq!(landed["product"]["id"], product.as_str());
    assert_eq!(landed["onHand"], 2);
    assert_eq!(landed["available"], 2);
    assert_eq!(landed["batchCode"], "LOT-4");
    assert_eq!(landed["expiresOn"], "2028-06-30");
    assert_ne!(landed["id"], level.as_str());
    let topics: Vec<String> = app
        .outbox_rows(landed["id"].as_str().unwrap())
        .await
        .into_iter()
        .map(|r| r.topic)
        .collect();
    assert_eq!(topics, ["stock.released"]);
    assert_eq!(level_at(&app, &product, &hold).await["onHand"], 0);
    assert_eq!(
        movements(&app, &product).await,
        [
            (MovementKind::Receipt, 2, hold.clone(), 2),
            (MovementKind::Release, -2, hold.clone(), 0),
            (MovementKind::Release, 2, location.clone(), 2),
        ]
    );
    assert!(
        app.audit_actions(&level)
            .await
            .contains(&"stock.released".to_owned())
    );
    let empty = buyer.data(RELEASE, release(1, &location, passed())).await;
    assert_eq!(
        user_errors(&empty),
        [input_error("quantity", "OUT_OF_RANGE")],
        "nothing is left in quarantine"
    );

    // The waiting order is reserved from the released units and invoiced,
    // and its customer told the goods arrived.
    invoiced_after_arrival(&app, &order).await;
    let reserved = level_at(&app, &product, &location).await;
    assert_eq!(
        (
            &reserved["onHand"],
            &reserved["reserved"],
            &reserved["available"]
        ),
        (&json!(2), &json!(2), &json!(0))
    );
    wait_for_sent_email(&app, entity::NotificationKind::BackorderArrived, &order).await;
}

#[tokio::test]
async fn quarantined_goods_go_back_to_the_supplier_but_never_more_than_is_held() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let hold = quarantine(&app).await;
    let (product, supplier) = sourced_product(&app, "FAN-2", "20.00", json!({})).await;
    let po = sent_by_hand(&app, &supplier, &product, 5).await;
    let buyer = app.as_role(Role::Finance);
    let held = buyer
        .accepted(RECEIVE, receipt(&po, &hold, 5, failed(), json!({})))
        .await;
    let level = held["goodsReceipt"]["lines"][0]["stockLevelId"]
        .as_str()
        .unwrap()
        .to_owned();
    let give_back = |stock_level: &str, quantity: i32, reason: &str| json!({ "input": { "stockLevelId": stock_level, "quantity": quantity, "reason": reason } });

    let too_many = buyer
        .data(RETURN, give_back(&level, 6, "casing cracked"))
        .await;
    assert_eq!(
        user_errors(&too_many),
        [input_error("quantity", "OUT_OF_RANGE")]
    );
    let no_reason = buyer.data(RETURN, give_back(&level, 1, "  ")).await;
    assert_eq!(user_errors(&no_reason), [input_error("reason", "REQUIRED")]);
    // Only quarantined stock goes back this way.
    let shelf = tests::shop::product(&app, &location, "SHELF-1", "10.00", "TAXABLE", true).await;
    let shelf_level = level_at(&app, &shelf, &location).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let from_shelf = buyer
        .data(RETURN, give_back(&shelf_level, 1, "not wanted"))
        .await;
    assert_eq!(
        user_errors(&from_shelf),
        [input_error("stockLevelId", "INVALID_STATE")]
    );
    let unknown = buyer
        .data(RETURN, give_back(&Uuid::now_v7().to_string(), 1, "x"))
        .await;
    assert_eq!(
        user_errors(&unknown),
        [input_error("stockLevelId", "NOT_FOUND")]
    );
    let forbidden = app
        .as_role(Role::QaLead)
        .run(RETURN, give_back(&level, 1, "casing cracked"))
        .await;
    assert_eq!(error_code(&forbidden).as_deref(), Some("FORBIDDEN"));
    assert_eq!(level_at(&app, &product, &hold).await["onHand"], 5);

    let returned = buyer
        .accepted(RETURN, give_back(&level, 3, "casing cracked"))
        .await;
    assert_eq!(returned["stockLevel"]["id"], level.as_str());
    assert_eq!(returned["stockLevel"]["location"]["id"], hold.as_str());
    assert_eq!(returned["stockLevel"]["onHand"], 2);
    assert_eq!(returned["stockLevel"]["available"], 0);
    assert_eq!(
        movements(&app, &product).await,
        [
            (MovementKind::Receipt, 5, hold.clone(), 5),
            (MovementKind::SupplierReturn, -3, hold.clone(), 2),
        ]
    );
    assert!(
        app.audit_actions(&level)
            .await
            .contains(&"stock.returned_to_supplier".to_owned())
    );
    // Two are left: three more are neither returned nor released.
    let again = buyer
        .data(RETURN, give_back(&level, 3, "casing cracked"))
        .await;
    assert_eq!(
        user_errors(&again),
        [input_error("quantity", "OUT_OF_RANGE")]
    );
    buyer
        .refused(
            RELEASE,
            json!({ "input": { "stockLevelId": level, "quantity": 3, "toLocationId": location, "checklist": passed() } }),
            "quantity",
            "OUT_OF_RANGE",
        )
        .await;
    assert_eq!(level_at(&app, &product, &hold).await["onHand"], 2);
}

#[tokio::test]
async fn a_partly_received_purchase_order_closes_short_only_with_a_reason_and_receives_nothing_after()
 {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let (product, supplier) = sourced_product(&app, "LAMP-3", "15.00", json!({})).await;
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let po = sent_by_hand(&app, &supplier, &product, 5).await;
    buyer
        .accepted(RECEIVE, receipt(&po, &location, 2, passed(), json!({})))
        .await;
    let close =
        |id: &Value, reason: Value| json!({ "input": { "purchaseOrderId": id, "reason": reason } });

    // Short-closing says why the rest will not come.
    let bare = buyer.data(CLOSE, close(&po["id"], Value::Null)).await;
    assert_eq!(user_errors(&bare), [input_error("reason", "REQUIRED")]);
    buyer
        .refused(CLOSE, close(&po["id"], json!("   ")), "reason", "REQUIRED")
        .await;
    let open = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(open["status"], "PARTIALLY_RECEIVED");
    let closed = buyer
        .accepted(
            CLOSE,
            close(&po["id"], json!("the supplier discontinued the rest")),
        )
        .await;
    assert_eq!(closed["purchaseOrder"]["status"], "CLOSED");
    assert_eq!(
        closed["purchaseOrder"]["statusReason"],
        "the supplier discontinued the rest"
    );
    assert!(
        app.audit_actions(po["id"].as_str().unwrap())
            .await
            .contains(&"purchase_order.closed".to_owned())
    );

    // Nothing more is received, and it is closed once.
    buyer
        .refused(
            RECEIVE,
            receipt(&po, &location, 1, passed(), json!({})),
            "purchaseOrderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    buyer
        .refused(
            CLOSE,
            close(&po["id"], json!("again")),
            "purchaseOrderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    let after = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(after["lines"][0]["receivedQuantity"], 2);
    assert_eq!(after["receipts"].as_array().unwrap().len(), 1);

    // A draft is not closed (it is cancelled instead).
    let draft = buyer
        .data(
            CREATE_PURCHASE_ORDER,
            json!({ "input": { "supplierId": supplier, "lines": [{ "productId": product, "quantity": 1 }] } }),
        )
        .await["purchaseOrder"]
        .clone();
    buyer
        .refused(
            CLOSE,
            close(&draft["id"], json!("not needed")),
            "purchaseOrderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    let still = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": draft["id"] }))
        .await;
    assert_eq!(still["status"], "DRAFT");

    // A fully received one closes without a reason.
    let whole = sent_by_hand(&app, &supplier, &product, 1).await;
    buyer
        .accepted(RECEIVE, receipt(&whole, &location, 1, passed(), json!({})))
        .await;
    let done = buyer
        .accepted(CLOSE, close(&whole["id"], Value::Null))
        .await;
    assert_eq!(done["purchaseOrder"]["status"], "CLOSED");
    assert!(done["purchaseOrder"]["statusReason"].is_null());
}
