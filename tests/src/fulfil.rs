//! The fulfilment flow for end-to-end tests: stocked products, paid
//! orders, packages packed, labelled and handed over, and the clock moved
//! to each package's next poll.

use crate::courier::FakeCourier;
use crate::shop::{add_stock, create_product, op, place, reserve};
use crate::smtp::SmtpSink;
use crate::{Op, Role, TestApp, wait_for, with_fields};
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

/// The app with courier B at a fake courier over HTTP (and email to `sink`)
/// and a worker running, kept alive by the guard returned with them.
pub async fn with_fake_courier(
    sink: Option<&SmtpSink>,
) -> (TestApp, FakeCourier, Option<worker::RunningWorker>) {
    let courier = FakeCourier::start().await;
    let mut config = courier.config("B");
    if let Some(sink) = sink {
        config.push(("SMTP_URL".into(), sink.url()));
    }
    let config: Vec<(&str, &str)> = config
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let app = TestApp::spawn_with(&config).await;
    let worker = app.ensure_worker().await;
    (app, courier, worker)
}

/// A stocked product; its id.
pub async fn stocked(app: &TestApp, location: &str, sku: &str, extra: Value) -> String {
    let batch = if extra["batchTracked"] == true {
        json!({ "batchCode": "LOT-7" })
    } else {
        json!({})
    };
    let input = with_fields(
        json!({ "sku": sku, "name": format!("Product {sku}"), "taxCode": "TAXABLE",
        "price": "20.00", "pricesIncludeGst": true, "weightGrams": 500 }),
        &extra,
    );
    let id = create_product(app, input).await;
    add_stock(app, &id, location, 100, batch).await;
    id
}

/// A paid order of `lines` (product, quantity): (order, customer).
pub async fn paid_order(app: &TestApp, email: &str, lines: &[(&str, i32)]) -> (String, String) {
    let customer = app.customer_named("Alice Nguyen", email).await;
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
    app.as_role(Role::Finance)
        .accepted(
            op("capturePayment", "mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id } userErrors { code message } } }"),
            json!({ "input": { "orderId": order, "method": "CARD", "cardNumber": test_cards::SUCCESS } }),
        )
        .await;
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
        .accepted(PACK, json!({ "input": { "orderId": order, "locationId": location, "items": items, "weightGrams": 1500, "lengthMm": 300, "widthMm": 200, "heightMm": 100 } }))
        .await;
    assert_eq!(packed["shipment"]["stage"], "PACKED");
    let id = packed["shipment"]["id"].as_str().unwrap().to_owned();
    let labelled = packer
        .accepted(LABEL, json!({ "input": { "shipmentId": id, "courier": courier, "serviceLevel": "STANDARD" } }))
        .await;
    assert_eq!(labelled["shipment"]["stage"], "LABELLED");
    let tracking = labelled["shipment"]["trackingNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let picked = packer
        .accepted(PICKUP, json!({ "input": { "shipmentId": id } }))
        .await;
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

/// Whether a polled package's order is DELIVERED.
pub fn order_delivered(package: &Value) -> bool {
    package["order"]["status"] == "DELIVERED"
}

/// Whether a polled package is DELIVERED.
pub fn package_delivered(package: &Value) -> bool {
    package["status"] == "DELIVERED"
}

/// Ship `units` of the paid order's first line from `location` in one
/// package with courier B, which reports it DELIVERED and signed for an hour
/// from now; move the clock to its polls until `done` holds: the package's
/// id and the package then.
pub async fn ship_delivered(
    app: &TestApp,
    courier: &FakeCourier,
    location: &str,
    order: &str,
    units: i32,
    done: impl Fn(&Value) -> bool,
) -> (String, Value) {
    ship_reported(app, courier, location, order, units, "SIGNED_FOR", done).await
}

/// [`ship_delivered`], the courier reporting the delivery `how` (e.g.
/// LEFT_SAFE).
pub async fn ship_reported(
    app: &TestApp,
    courier: &FakeCourier,
    location: &str,
    order: &str,
    units: i32,
    how: &str,
    done: impl Fn(&Value) -> bool,
) -> (String, Value) {
    let lines = line_ids(app, order).await;
    let (package, tracking) = ship(app, order, location, &[(&lines[0], units)], "B").await;
    let at = app.clock.now_utc() + Days::hours(1);
    courier.report(&tracking, at, "DELIVERED", Some(how), "DL", None);
    let polled = poll_until(app, &package, "the delivery", done).await;
    (package, polled)
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
