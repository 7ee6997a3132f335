//! The fulfilment flow for end-to-end tests: stocked products, paid
//! orders, packages packed, labelled and handed over, and the clock moved
//! to each package's next poll.

use crate::courier::FakeCourier;
use crate::shop::{op, place, reserve};
use crate::smtp::SmtpSink;
use crate::{Op, Role, TestApp, user_errors, wait_for};
use chrono::{DateTime, Duration as Days, Utc};
use domain::payments::provider::test_cards;
use entity::NotificationKind;
use serde_json::{Value, json};
use std::time::Duration;

pub const PATIENCE: Duration = Duration::from_secs(60);

pub const PACK: Op = Op {
    field: "packShipment",
    document: "mutation($input: PackShipmentInput!) { packShipment(input: $input) { shipment { id number stage status items { quantity batchCode serials orderLine { lineNo } } order { status } } userErrors { field code message } } }",
};
pub const LABEL: Op = Op {
    field: "createShippingLabel",
    document: "mutation($input: CreateShippingLabelInput!) { createShippingLabel(input: $input) { shipment { id stage trackingNumber labelReference labelData courier { code name } serviceLevel courierTrackingUrl } userErrors { field code message } } }",
};
pub const PICKUP: Op = Op {
    field: "confirmPickup",
    document: "mutation($input: ConfirmPickupInput!) { confirmPickup(input: $input) { shipment { id stage status nextPollAt order { status } } userErrors { field code message } } }",
};
pub const SHIPMENT: Op = Op {
    field: "shipment",
    document: "query($id: ID!) { shipment(id: $id) { id number stage status subStatus estimatedDelivery deliveredAt nextPollAt pollFailures trackingNumber checkpoints { occurredAt status subStatus message rawCode } order { status lateRisk } } }",
};
pub const ORDER: Op = Op {
    field: "order",
    document: "query($id: ID!) { order(id: $id) { status lines { id lineNo } shipments { number status } nextActions { action role } } }",
};
pub const PICK_LIST: Op = Op {
    field: "pickList",
    document: "query($location: ID!) { pickList(locationId: $location) { edges { node { order { id } items { orderLineId sku quantity batchCode serialTracked } } } } }",
};

/// The app with courier B at a fake courier over HTTP (and email to `sink`).
pub async fn with_fake_courier(sink: Option<&SmtpSink>) -> (TestApp, FakeCourier) {
    let courier = FakeCourier::start().await;
    let mut config = courier.config("B");
    if let Some(sink) = sink {
        config.push(("SMTP_URL".into(), sink.url()));
    }
    let config: Vec<(&str, &str)> = config
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    (TestApp::spawn_with(&config).await, courier)
}

/// A stocked product; its id.
pub async fn stocked(app: &TestApp, location: &str, sku: &str, extra: Value) -> String {
    let staff = app.as_role(Role::Fulfilment);
    let mut input = json!({ "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE",
        "price": "20.00", "pricesIncludeGst": true, "weightGrams": 500 });
    let batch = extra["batchTracked"] == true;
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let created = staff
        .data(
            op("createProduct", "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }"),
            json!({ "input": input }),
        )
        .await;
    let id = created["product"]["id"]
        .as_str()
        .expect("created")
        .to_owned();
    let mut adjust =
        json!({ "productId": id, "locationId": location, "quantity": 100, "reason": "count" });
    if batch {
        adjust["batchCode"] = json!("LOT-7");
    }
    let adjusted = staff
        .data(
            op("adjustStock", "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } userErrors { field code } } }"),
            json!({ "input": adjust }),
        )
        .await;
    assert!(user_errors(&adjusted).is_empty(), "{adjusted}");
    id
}

/// A paid order of `lines` (product, quantity): (order, customer).
pub async fn paid_order(app: &TestApp, email: &str, lines: &[(&str, i32)]) -> (String, String) {
    let customer = app
        .admin()
        .new_customer(json!({ "name": "Alice Nguyen", "email": email }))
        .await;
    let order = place(app, &customer, lines, None).await;
    pay(app, &order).await;
    (order, customer)
}

/// Reserve a placed order (invoicing it) and pay it by card.
pub async fn pay(app: &TestApp, order: &str) {
    reserve(app, order).await;
    capture(app, order).await;
}

/// Pay an invoiced order by card (under $200 with delivery: approved at once).
pub async fn capture(app: &TestApp, order: &str) {
    let paid = app
        .as_role(Role::Finance)
        .data(
            op("capturePayment", "mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id } userErrors { code message } } }"),
            json!({ "input": { "orderId": order, "method": "CARD", "cardNumber": test_cards::SUCCESS } }),
        )
        .await;
    assert!(user_errors(&paid).is_empty(), "{paid}");
    wait_for("the order to be paid", PATIENCE, async || {
        order_of(app, order).await["status"] == "PAID"
    })
    .await;
}

pub async fn order_of(app: &TestApp, order: &str) -> Value {
    app.admin().data(ORDER, json!({ "id": order })).await
}

pub async fn shipment_of(app: &TestApp, id: &str) -> Value {
    app.admin().data(SHIPMENT, json!({ "id": id })).await
}

/// Order line ids by line number.
pub async fn line_ids(app: &TestApp, order: &str) -> Vec<String> {
    order_of(app, order).await["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Pack, label and hand over one package of `items` (line id, units): the
/// package's id and tracking number.
pub async fn ship(
    app: &TestApp,
    order: &str,
    location: &str,
    items: &[(&str, i32)],
    courier: &str,
) -> (String, String) {
    let packer = app.as_role(Role::Fulfilment);
    let items: Vec<Value> = items
        .iter()
        .map(|(line, q)| json!({ "orderLineId": line, "quantity": q }))
        .collect();
    let packed = packer
        .data(PACK, json!({ "input": { "orderId": order, "locationId": location, "items": items, "weightGrams": 1500, "lengthMm": 300, "widthMm": 200, "heightMm": 100 } }))
        .await;
    assert!(user_errors(&packed).is_empty(), "{packed}");
    assert_eq!(packed["shipment"]["stage"], "PACKED");
    let id = packed["shipment"]["id"].as_str().unwrap().to_owned();
    let labelled = packer
        .data(LABEL, json!({ "input": { "shipmentId": id, "courier": courier, "serviceLevel": "STANDARD" } }))
        .await;
    assert!(user_errors(&labelled).is_empty(), "{labelled}");
    assert_eq!(labelled["shipment"]["stage"], "LABELLED");
    let tracking = labelled["shipment"]["trackingNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let picked = packer
        .data(PICKUP, json!({ "input": { "shipmentId": id } }))
        .await;
    assert!(user_errors(&picked).is_empty(), "{picked}");
    assert_eq!(picked["shipment"]["stage"], "PICKED_UP");
    (id, tracking)
}

pub fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("an instant"))
        .unwrap()
        .with_timezone(&Utc)
}

/// Move the clock to the package's next poll and wait until `done` holds.
pub async fn poll_until(
    app: &TestApp,
    shipment: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let next = shipment_of(app, shipment).await["nextPollAt"].clone();
    app.clock.set(instant(&next) + Days::minutes(1));
    let mut seen = Value::Null;
    wait_for(what, PATIENCE, async || {
        seen = shipment_of(app, shipment).await;
        done(&seen)
    })
    .await;
    seen
}

/// Every email of `kind` about the package reached the sink exactly once.
pub async fn emailed_once(app: &TestApp, sink: &SmtpSink, kind: NotificationKind, shipment: &str) {
    let sent = wait_for_sent(app, kind, shipment).await;
    let arrived = sink
        .received()
        .iter()
        .filter(|m| m.message_id() == sent.message_id.trim_matches(['<', '>']))
        .count();
    assert_eq!(arrived, 1, "{kind:?} arrived once");
}

pub async fn wait_for_sent(
    app: &TestApp,
    kind: NotificationKind,
    shipment: &str,
) -> entity::notification::Model {
    let mut found = None;
    wait_for(&format!("the {kind:?} email"), PATIENCE, async || {
        let rows = app.notifications_of(kind, shipment).await;
        assert!(rows.len() <= 1, "one {kind:?} per package: {rows:?}");
        found = rows
            .into_iter()
            .find(|n| n.status == entity::NotificationStatus::Sent);
        found.is_some()
    })
    .await;
    found.unwrap()
}
