//! Fulfilment and tracking (order flow steps 7–13) through GraphQL and the
//! worker: packing paid orders, labels from couriers, the hand-over, and
//! tracking polls against a fake courier over HTTP (or the simulated
//! courier on the embedded default) that move packages and orders to
//! DELIVERED and email the customer once per event.

use chrono::Duration as Days;
use entity::NotificationKind;
use serde_json::{Value, json};
use tests::courier::Fault;
use tests::fulfil::*;
use tests::shop::{op, warehouse};
use tests::smtp::SmtpSink;
use tests::{Role, TestApp, input_error, input_path_error, user_errors, wait_for};

/// Deliver the package's last fired poll job once more, as a queue may,
/// and wait until it was processed.
async fn redeliver_poll(app: &TestApp, package: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let fired = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Topic.eq("timer.fired"))
        .filter(entity::outbox::Column::Payload.contains(package))
        .order_by_desc(entity::outbox::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .expect("the poll's fired timer");
    let again = app
        .record_event("timer.fired", fired.subject_id, &fired.payload)
        .await;
    app.outbox_processed("the repeated poll job", &again).await;
}

#[tokio::test]
async fn a_paid_order_is_packed_labelled_shipped_and_tracked_to_delivered_over_http() {
    let sink = SmtpSink::start().await;
    let (app, courier, _worker) = with_fake_courier(Some(&sink)).await;
    let location = warehouse(&app).await;
    let lamp = stocked(&app, &location, "LAMP-1", json!({ "batchTracked": true })).await;
    let desk = stocked(&app, &location, "DESK-1", json!({ "serialTracked": true })).await;
    let (order, _) = paid_order(&app, "alice@example.com.au", &[(&lamp, 2), (&desk, 1)]).await;
    let lines = line_ids(&app, &order).await;

    // The pick list shows what to pick, batch and serial needs included.
    let picks = app
        .as_role(Role::Fulfilment)
        .data(PICK_LIST, json!({ "location": location }))
        .await;
    let entry = picks["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["order"]["id"] == order.as_str())
        .expect("the order is on the pick list")
        .clone();
    let items = entry["node"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["quantity"], 2);
    assert_eq!(items[0]["batchCode"], "LOT-7");
    assert_eq!(items[1]["serialTracked"], true);

    // One package: batch recorded from the reservation, serials given.
    let packer = app.as_role(Role::Fulfilment);
    let packed = packer
        .accepted(PACK, json!({ "input": { "orderId": order, "locationId": location, "weightGrams": 2500,
            "items": [ { "orderLineId": lines[0], "quantity": 2 }, { "orderLineId": lines[1], "quantity": 1, "serials": ["sn-0001"] } ] } }))
        .await;
    let package = packed["shipment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(packed["shipment"]["order"]["status"], "PACKING");
    assert_eq!(packed["shipment"]["items"][0]["batchCode"], "LOT-7");
    assert_eq!(
        packed["shipment"]["items"][1]["serials"],
        json!(["SN-0001"])
    );
    let labelled = packer
        .accepted(LABEL, json!({ "input": { "shipmentId": package, "courier": "B", "serviceLevel": "EXPRESS" } }))
        .await;
    let tracking = labelled["shipment"]["trackingNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(tracking, "FC000000001AU");
    assert_eq!(
        labelled["shipment"]["labelReference"],
        format!("LBL-{}", packed["shipment"]["number"].as_str().unwrap())
    );
    assert!(
        labelled["shipment"]["courierTrackingUrl"]
            .as_str()
            .unwrap()
            .ends_with(&tracking)
    );
    let label: Value =
        serde_json::from_str(labelled["shipment"]["labelData"].as_str().unwrap()).unwrap();
    assert_eq!(label["request"]["to"]["postcode"], "2000");
    assert_eq!(label["request"]["weight_grams"], 2500);

    let picked = packer
        .accepted(PICKUP, json!({ "input": { "shipmentId": package } }))
        .await;
    assert_eq!(picked["shipment"]["order"]["status"], "SHIPPED");
    assert_eq!(picked["shipment"]["status"], "PENDING");
    emailed_once(&app, &sink, NotificationKind::ShipmentShipped, &package).await;
    // Accounting's event was recorded with the hand-over.
    let shipped_events = app.outbox_rows(&order).await;
    assert_eq!(
        shipped_events
            .iter()
            .filter(|r| r.topic == "order.shipped")
            .count(),
        1
    );

    // The worker polls the courier as it reports.
    let t0 = app.clock.now_utc();
    let estimate = chrono::NaiveDate::from_ymd_opt(2026, 11, 26);
    courier.report(
        &tracking,
        t0 + Days::hours(1),
        "IN_TRANSIT",
        None,
        "PU",
        estimate,
    );
    let seen = poll_until(&app, &package, "IN_TRANSIT", |s| {
        s["status"] == "IN_TRANSIT"
    })
    .await;
    assert_eq!(seen["estimatedDelivery"], "2026-11-26");
    assert_eq!(seen["checkpoints"][0]["rawCode"], "PU");
    courier.report(
        &tracking,
        t0 + Days::hours(20),
        "OUT_FOR_DELIVERY",
        None,
        "OD",
        None,
    );
    poll_until(&app, &package, "OUT_FOR_DELIVERY", |s| {
        s["status"] == "OUT_FOR_DELIVERY"
    })
    .await;
    emailed_once(
        &app,
        &sink,
        NotificationKind::ShipmentOutForDelivery,
        &package,
    )
    .await;
    courier.report(
        &tracking,
        t0 + Days::hours(22),
        "DELIVERED",
        Some("SIGNED_FOR"),
        "DL",
        None,
    );
    let seen = poll_until(&app, &package, "DELIVERED", |s| {
        s["status"] == "DELIVERED" && s["order"]["status"] == "DELIVERED"
    })
    .await;
    assert_eq!(seen["status"], "DELIVERED");
    assert_eq!(seen["subStatus"], "SIGNED_FOR");
    assert!(seen["nextPollAt"].is_null(), "polling stops: {seen}");
    assert_eq!(
        seen["checkpoints"].as_array().unwrap().len(),
        3,
        "repeats are not stored twice"
    );
    emailed_once(&app, &sink, NotificationKind::ShipmentDelivered, &package).await;
    let delivered = wait_for_sent(&app, NotificationKind::ShipmentDelivered, &package).await;
    let mail = sink
        .received()
        .into_iter()
        .find(|m| m.message_id() == delivered.message_id.trim_matches(['<', '>']))
        .unwrap();
    assert!(
        mail.parsed()
            .body_text(0)
            .unwrap()
            .contains("cannot be excluded under the Australian Consumer Law")
    );

    // The same event delivered twice by the queue emails nothing more.
    let notice = json!({ "kind": "SHIPMENT_DELIVERED" }).to_string();
    let subject = uuid::Uuid::parse_str(&package).unwrap();
    let again = app.record_event("shipment.notice", subject, &notice).await;
    app.outbox_processed("the repeated event to be processed", &again)
        .await;
    emailed_once(&app, &sink, NotificationKind::ShipmentDelivered, &package).await;
    assert_eq!(
        app.notifications_of(NotificationKind::ShipmentAttemptFailed, &package)
            .await
            .len(),
        0
    );
}

#[tokio::test]
async fn a_split_shipment_is_delivered_in_two_parts_and_polled_in_one_batch() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    let location = warehouse(&app).await;
    let chair = stocked(&app, &location, "CHAIR-1", json!({})).await;
    let (order, _) = paid_order(&app, "bob@example.com.au", &[(&chair, 3)]).await;
    let lines = line_ids(&app, &order).await;

    let (first, first_tn) = ship(&app, &order, &location, &[(&lines[0], 2)], "B").await;
    assert_eq!(order_of(&app, &order).await["status"], "PARTIALLY_SHIPPED");
    let (second, second_tn) = ship(&app, &order, &location, &[(&lines[0], 1)], "B").await;
    let now = order_of(&app, &order).await;
    assert_eq!(now["status"], "SHIPPED");
    assert_eq!(now["shipments"].as_array().unwrap().len(), 2);
    // Nothing is left to pack.
    let packer = app.as_role(Role::Fulfilment);
    packer
        .refused(
            PACK,
            json!({ "input": { "orderId": order, "locationId": location, "weightGrams": 100, "items": [ { "orderLineId": lines[0], "quantity": 1 } ] } }),
            "orderId",
            "ILLEGAL_TRANSITION",
        )
        .await;

    let t0 = app.clock.now_utc();
    courier.report(
        &first_tn,
        t0 + Days::hours(2),
        "DELIVERED",
        Some("LEFT_SAFE"),
        "DL",
        None,
    );
    courier.report(
        &second_tn,
        t0 + Days::hours(2),
        "IN_TRANSIT",
        None,
        "IT",
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
    );
    poll_until(&app, &first, "the first part delivered", |s| {
        s["status"] == "DELIVERED"
    })
    .await;
    wait_for("the second package polled", PATIENCE, async || {
        shipment_of(&app, &second).await["status"] == "IN_TRANSIT"
    })
    .await;
    assert_eq!(
        order_of(&app, &order).await["status"],
        "SHIPPED",
        "half delivered"
    );
    // Both packages of the courier were asked about in one call.
    assert!(
        courier
            .tracking_calls()
            .iter()
            .any(|c| c.contains(&first_tn) && c.contains(&second_tn)),
        "{:?}",
        courier.tracking_calls()
    );
    // The courier's estimate slips past the required date (24 December):
    // the customer hears of the delay and the order turns LATE.
    courier.report(
        &second_tn,
        t0 + Days::hours(8),
        "IN_TRANSIT",
        Some("DELAYED"),
        "HELD",
        chrono::NaiveDate::from_ymd_opt(2026, 12, 29),
    );
    let delayed = poll_until(&app, &second, "the delay", |s| {
        s["estimatedDelivery"] == "2026-12-29" && s["order"]["lateRisk"] == "LATE"
    })
    .await;
    assert_eq!(delayed["subStatus"], "DELAYED");
    wait_for_sent(&app, NotificationKind::ShipmentDelayed, &second).await;
    courier.report(
        &second_tn,
        t0 + Days::hours(30),
        "DELIVERED",
        Some("SIGNED_FOR"),
        "DL",
        None,
    );
    poll_until(&app, &second, "the order delivered", |s| {
        s["order"]["status"] == "DELIVERED"
    })
    .await;
}

#[tokio::test]
async fn a_courier_outage_during_tracking_loses_nothing_backs_off_and_recovers() {
    let sink = SmtpSink::start().await;
    let (app, courier, _worker) = with_fake_courier(Some(&sink)).await;
    let location = warehouse(&app).await;
    let vase = stocked(&app, &location, "VASE-1", json!({})).await;
    let (order, _) = paid_order(&app, "carol@example.com.au", &[(&vase, 1)]).await;
    let lines = line_ids(&app, &order).await;
    let (package, tracking) = ship(&app, &order, &location, &[(&lines[0], 1)], "B").await;

    courier.set_down(true);
    let t0 = app.clock.now_utc();
    // While it is down, the courier still moves the parcel along.
    courier.report(
        &tracking,
        t0 + Days::hours(3),
        "IN_TRANSIT",
        None,
        "IT",
        None,
    );
    courier.report(
        &tracking,
        t0 + Days::hours(7),
        "OUT_FOR_DELIVERY",
        None,
        "OD",
        None,
    );
    let first = shipment_of(&app, &package).await;
    let failed = poll_until(&app, &package, "a failed poll", |s| s["pollFailures"] == 1).await;
    let waited = instant(&failed["nextPollAt"]) - instant(&first["nextPollAt"]);
    assert!(
        waited >= Days::hours(12),
        "backed off from 6 h to 12 h: {waited}"
    );
    assert_eq!(failed["status"], "PENDING");
    // The queue delivers that poll's job again: it finds the package polled
    // and backs nothing off twice.
    redeliver_poll(&app, &package).await;
    assert_eq!(shipment_of(&app, &package).await["pollFailures"], 1);
    // Then it answers 500s, then nothing at all past the client's timeout:
    // each a failed poll, backed off no further than the cap.
    courier.set_fault(Fault::Failing);
    let failed = poll_until(&app, &package, "a poll answered 500", |s| {
        s["pollFailures"] == 2
    })
    .await;
    assert_eq!(failed["checkpoints"].as_array().unwrap().len(), 0);
    courier.set_fault(Fault::Hanging);
    let timed_out = poll_until(&app, &package, "a poll that timed out", |s| {
        s["pollFailures"] == 3
    })
    .await;
    assert_eq!(timed_out["checkpoints"].as_array().unwrap().len(), 0);
    assert_eq!(timed_out["status"], "PENDING");
    let waited = instant(&timed_out["nextPollAt"]) - app.clock.now_utc();
    assert!(
        waited >= Days::hours(12) && waited <= Days::hours(12) + Days::minutes(72),
        "backed off to the 12 h cap (plus under 10% jitter): {waited}"
    );

    courier.set_fault(Fault::None);
    let recovered = poll_until(&app, &package, "recovery", |s| s["pollFailures"] == 0).await;
    assert_eq!(recovered["status"], "OUT_FOR_DELIVERY");
    let codes = tests::strings(&recovered["checkpoints"], "rawCode");
    println!(
        "fault courier-outage: failed_polls=3 (503, 500, timeout) checkpoints reported=2 recorded={} lost={} duplicated={}",
        codes.len(),
        ["IT", "OD"].iter().filter(|c| !codes.contains(c)).count(),
        codes.len().saturating_sub(2)
    );
    assert_eq!(codes, ["IT", "OD"], "nothing the courier said was lost");
    let next = instant(&recovered["nextPollAt"]) - app.clock.now_utc();
    assert!(
        next <= Days::minutes(33),
        "back to the out-for-delivery pace: {next}"
    );
    emailed_once(
        &app,
        &sink,
        NotificationKind::ShipmentOutForDelivery,
        &package,
    )
    .await;
}

#[tokio::test]
async fn the_simulated_courier_drives_an_order_to_delivered_on_the_app_clock() {
    // Polls in transit twice a day (configurable), so the walk is short.
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("TRACKING_POLL_MINUTES", "IN_TRANSIT=720")]).await;
    let location = warehouse(&app).await;
    let rug = stocked(&app, &location, "RUG-1", json!({})).await;
    let (order, customer) = paid_order(&app, "dan@example.com.au", &[(&rug, 1)]).await;
    let lines = line_ids(&app, &order).await;
    let (package, tracking) = ship(&app, &order, &location, &[(&lines[0], 1)], "A").await;
    assert!(tracking.starts_with("SIMA"), "{tracking}");

    let mut seen = shipment_of(&app, &package).await;
    for _ in 0..40 {
        if seen["order"]["status"] == "DELIVERED" {
            break;
        }
        let before = seen["checkpoints"].as_array().unwrap().len();
        let next = seen["nextPollAt"].clone();
        app.clock.set(instant(&next) + Days::minutes(1));
        wait_for("the poll", PATIENCE, async || {
            seen = shipment_of(&app, &package).await;
            seen["nextPollAt"] != next || seen["checkpoints"].as_array().unwrap().len() != before
        })
        .await;
    }
    assert_eq!(seen["order"]["status"], "DELIVERED", "{seen}");
    let statuses = tests::strings(&seen["checkpoints"], "status");
    assert_eq!(
        statuses,
        [
            "INFO_RECEIVED",
            "IN_TRANSIT",
            "IN_TRANSIT",
            "OUT_FOR_DELIVERY",
            "DELIVERED"
        ]
    );
    // Shipped, then out for delivery when a poll fell in that window (the
    // jitter decides), then delivered: each emailed once, in that order.
    let notices: Vec<NotificationKind> = app
        .outbox_rows(&package)
        .await
        .into_iter()
        .filter(|r| r.topic == "shipment.notice")
        .map(|r| serde_json::from_str::<Value>(&r.payload).unwrap()["kind"].clone())
        .map(|k| serde_json::from_value(k).unwrap())
        .collect();
    let with_ofd = [
        NotificationKind::ShipmentShipped,
        NotificationKind::ShipmentOutForDelivery,
        NotificationKind::ShipmentDelivered,
    ];
    assert!(
        notices == with_ofd || notices == [with_ofd[0], with_ofd[2]],
        "{notices:?}"
    );
    for kind in notices {
        wait_for_sent(&app, kind, &package).await;
    }

    // A guest follows it on the signed public page, with every checkpoint.
    let url = api::links::url(
        &app.app.state,
        domain::platform::links::LinkPurpose::Tracking,
        uuid::Uuid::parse_str(&package).unwrap(),
    );
    let path = url
        .strip_prefix(app.app.state.config.public_base_url.as_str())
        .unwrap();
    let page = app.get(path).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains(&tracking) && page.contains("Delivered and signed for"),
        "{page}"
    );

    // The customer follows its own package by number; another customer cannot.
    let track = op(
        "trackShipment",
        "query($n: String!) { trackShipment(trackingNumber: $n) { id status } }",
    );
    let own = app
        .as_customer(&customer)
        .data(track, json!({ "n": tracking }))
        .await;
    assert_eq!(own["id"], package.as_str());
    let stranger = app.customer_named("Eve", "eve@example.com.au").await;
    let other = app
        .as_customer(&stranger)
        .data(track, json!({ "n": tracking }))
        .await;
    assert!(other.is_null(), "{other}");
}

#[tokio::test]
async fn bad_fulfilment_steps_are_refused_and_change_nothing() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    let location = warehouse(&app).await;
    let clock_ = stocked(&app, &location, "CLOCK-1", json!({ "serialTracked": true })).await;
    let (order, customer) = paid_order(&app, "fay@example.com.au", &[(&clock_, 2)]).await;
    let lines = line_ids(&app, &order).await;
    let packer = app.as_role(Role::Fulfilment);
    let pack = |items: Value, weight: i32| json!({ "input": { "orderId": order, "locationId": location, "weightGrams": weight, "items": items } });

    // A customer may not pack.
    let forbidden = app
        .as_customer(&customer)
        .post(PACK.document, pack(json!([]), 100))
        .await;
    assert_eq!(tests::error_code(&forbidden).as_deref(), Some("FORBIDDEN"));
    let refusals = [
        (
            pack(
                json!([{ "orderLineId": lines[0], "quantity": 3, "serials": ["A", "B", "C"] }]),
                100,
            ),
            input_path_error("items.0.quantity", "INSUFFICIENT_STOCK"),
        ),
        (
            pack(json!([{ "orderLineId": lines[0], "quantity": 2 }]), 100),
            input_path_error("items.0.serials", "REQUIRED"),
        ),
        (
            pack(
                json!([{ "orderLineId": lines[0], "quantity": 2, "serials": ["A", "a"] }]),
                100,
            ),
            input_path_error("items.0.serials", "ALREADY_EXISTS"),
        ),
        (
            pack(
                json!([{ "orderLineId": lines[0], "quantity": 1, "serials": ["A"] }]),
                0,
            ),
            input_error("weightGrams", "OUT_OF_RANGE"),
        ),
        (
            pack(json!([{ "orderLineId": location, "quantity": 1 }]), 100),
            input_path_error("items.0.orderLineId", "NOT_FOUND"),
        ),
    ];
    for (input, expected) in refusals {
        let refused = packer.data(PACK, input.clone()).await;
        assert_eq!(user_errors(&refused), [expected], "{input}");
    }
    assert_eq!(order_of(&app, &order).await["shipments"], json!([]));
    assert_eq!(order_of(&app, &order).await["status"], "PAID");

    let packed = packer
        .data(
            PACK,
            pack(
                json!([{ "orderLineId": lines[0], "quantity": 2, "serials": ["A-1", "A-2"] }]),
                900,
            ),
        )
        .await;
    let package = packed["shipment"]["id"].as_str().unwrap().to_owned();
    // Not yet labelled: no pickup. A level the courier does not offer, or a
    // courier that is down, labels nothing.
    packer
        .refused(
            PICKUP,
            json!({ "input": { "shipmentId": package } }),
            "shipmentId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    packer
        .refused(
            LABEL,
            json!({ "input": { "shipmentId": package, "courier": "C", "serviceLevel": "OVERNIGHT" } }),
            "serviceLevel",
            "OUT_OF_RANGE",
        )
        .await;
    courier.set_down(true);
    packer
        .refused(
            LABEL,
            json!({ "input": { "shipmentId": package, "courier": "B", "serviceLevel": "STANDARD" } }),
            "courier",
            "COURIER_UNAVAILABLE",
        )
        .await;
    assert_eq!(shipment_of(&app, &package).await["stage"], "PACKED");
    courier.set_down(false);
    packer.accepted(LABEL, json!({ "input": { "shipmentId": package, "courier": "B", "serviceLevel": "STANDARD" } }))
    .await;
    packer
        .refused(
            LABEL,
            json!({ "input": { "shipmentId": package, "courier": "B", "serviceLevel": "STANDARD" } }),
            "shipmentId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    assert_eq!(courier.labels_issued(), 1);
}
