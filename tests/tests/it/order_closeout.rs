//! The product-fulfilment process end to end (step 2): a backordered order
//! sourced, received with a batch and a passing QC, reserved and shipped
//! from the receipt, delivered, and closed with proof of delivery, warranty
//! records (with their renewal reminders), the service team told, its
//! installation ticket resolved, and a survey answer; and a drop-ship
//! tracked from its supplier to delivery.

use chrono::Duration as Days;
use serde_json::{Value, json};
use tests::courier::FakeCourier;
use tests::fulfil::*;
use tests::purchasing::*;
use tests::shop::{op, place, reserve, warehouse};
use tests::{Role, TestApp, input_error, nodes, user_errors, wait_for};

tests::op_const!(ORDER_CLOSEOUT = "order": "query($id: ID!) { order(id: $id) { status lateRisk estimatedDelivery deliveredAt closedAt proofOfDelivery { signerName evidenceReference shipmentId } shipments { id number fromSupplier trackingNumber status items { quantity batchCode } } } }");
tests::op_const!(PROOF = "recordProofOfDelivery": "mutation($input: RecordProofOfDeliveryInput!) { recordProofOfDelivery(input: $input) { proofOfDelivery { signerName signedAt evidenceReference } userErrors { field code message } } }");
tests::op_const!(ASSETS = "customerAssets": "query($id: ID!) { customerAssets(customerId: $id) { edges { node { id serial quantity deliveredOn warrantyStartsOn warrantyEndsOn product { sku } } } } }");
tests::op_const!(SOURCE_DROP_SHIP = "sourceDropShip": "mutation($input: SourceDropShipInput!) { sourceDropShip(input: $input) { purchaseOrder { id number status dropShip shipTo lines { id quantity } } userErrors { field code message } } }");
tests::op_const!(DISPATCH = "recordDropShipDispatch": "mutation($input: RecordDropShipDispatchInput!) { recordDropShipDispatch(input: $input) { shipment { id stage fromSupplier trackingNumber order { status } } userErrors { field code message } } }");

async fn closeout_of(app: &TestApp, order: &str) -> Value {
    app.admin()
        .data(ORDER_CLOSEOUT, json!({ "id": order }))
        .await
}

/// Report the package delivered and poll until the order is DELIVERED.
async fn deliver(app: &TestApp, courier: &FakeCourier, package: &str, tracking: &str) {
    let at = app.clock.now_utc() + Days::hours(1);
    courier.report(tracking, at, "DELIVERED", Some("SIGNED_FOR"), "DL", None);
    poll_until(app, package, "the delivery", |s| {
        s["order"]["status"] == "DELIVERED"
    })
    .await;
}

/// Staff resolve the order's services ticket.
async fn resolve_services(app: &TestApp, order: &str) {
    let ticket = app
        .admin()
        .data(
            op(
                "order",
                "query($id: ID!) { order(id: $id) { serviceTicket { id version } } }",
            ),
            json!({ "id": order }),
        )
        .await["serviceTicket"]
        .clone();
    app.as_role(Role::DeliveryTeam)
        .accepted(
            op("changeTicketStatus", "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { ticket { status } userErrors { code message } } }"),
            json!({ "input": { "ticketId": ticket["id"], "status": "RESOLVED", "expectedVersion": ticket["version"] } }),
        )
        .await;
}

#[tokio::test]
async fn a_backorder_is_sourced_received_shipped_delivered_and_closed_with_proof_warranty_and_survey()
 {
    let (app, courier, _worker) = with_fake_courier(None).await;
    app.admin()
        .change_business_settings(json!({ "followUpAfterDays": 1, "closeAfterDays": 2 }))
        .await;
    let service_team = app
        .admin()
        .create_user(json!({ "email": "service@example.com.au", "password": "a long enough password", "role": "DELIVERY_TEAM" }))
        .await;
    assert!(user_errors(&service_team).is_empty(), "{service_team}");
    let location = warehouse(&app).await;
    let (heater, supplier) = sourced_product(
        &app,
        "HEATER-9",
        "180.00",
        json!({ "batchTracked": true, "warrantyMonths": 1 }),
    )
    .await;
    let install = tests::shop::service(&app, "INSTALL-1", "On-site installation", "30.00").await;
    let customer = app.customer_named("Kim Lee", "kim@example.com.au").await;
    app.admin()
        .give_consent(&customer, "RENEWALS", "checkout checkbox")
        .await;
    let order = place(&app, &customer, &[(&heater, 2), (&install, 1)], None).await;
    reserve(&app, &order).await;
    assert_eq!(order_of(&app, &order).await["status"], "BACKORDERED");

    // Sourced, approved and sent; received with a batch and a passing QC.
    let po = sent_purchase_order(&app, &order, &supplier).await;
    assert_eq!(po["lines"].as_array().unwrap().len(), 1, "goods only: {po}");
    app.as_role(Role::Fulfilment)
        .accepted(
            RECEIVE,
            json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": "2026-11-23", "locationId": location,
                "lines": [{ "purchaseOrderLineId": po["lines"][0]["id"], "quantity": 2, "batchCode": "lot-5", "expiresOn": "2029-06-30" }],
                "checklist": passed() } }),
        )
        .await;

    // Reserved from the receipt; the customer is told the new estimate.
    invoiced_after_arrival(&app, &order).await;
    wait_for_sent_email(&app, entity::NotificationKind::BackorderArrived, &order).await;
    let arrived = closeout_of(&app, &order).await;
    assert_eq!(
        arrived["estimatedDelivery"], "2026-11-27",
        "leaves Tuesday, three business days: {arrived}"
    );
    assert_eq!(arrived["lateRisk"], "ON_TRACK");

    // Paid, shipped from the received batch, delivered.
    capture(&app, &order).await;
    // Its goods delivered, it waits for its installation: staff resolve the
    // services ticket its payment opened, and it is DELIVERED.
    let (package, polled) =
        ship_delivered(&app, &courier, &location, &order, 2, package_delivered).await;
    assert_eq!(polled["order"]["status"], "SHIPPED", "{polled}");
    resolve_services(&app, &order).await;
    assert_eq!(order_of(&app, &order).await["status"], "DELIVERED");
    let delivered = closeout_of(&app, &order).await;
    assert_eq!(delivered["shipments"][0]["items"][0]["batchCode"], "LOT-5");

    // Proof of delivery, once.
    let proof = json!({ "input": { "orderId": order, "shipmentId": package, "signerName": "Kim Lee",
        "signedAt": delivered["deliveredAt"], "evidenceReference": "B-POD-77812" } });
    app.as_role(Role::Fulfilment)
        .accepted(PROOF, proof.clone())
        .await;
    let again = app.as_role(Role::Fulfilment).data(PROOF, proof).await;
    assert_eq!(
        user_errors(&again),
        [input_error("orderId", "ALREADY_EXISTS")]
    );

    // One asset for the line (untracked units), its warranty from the
    // delivery date, queryable by the customer too.
    let assets = nodes(
        &app.as_customer(&customer)
            .data(ASSETS, json!({ "id": customer }))
            .await,
    );
    assert_eq!(assets.len(), 1, "{assets:?}");
    assert_eq!(assets[0]["product"]["sku"], "HEATER-9");
    assert_eq!(assets[0]["quantity"], 2);
    assert_eq!(assets[0]["serial"], Value::Null);
    assert_eq!(assets[0]["warrantyStartsOn"], "2026-11-23");
    assert_eq!(assets[0]["warrantyEndsOn"], "2026-12-22");
    let someone_else = app.customer_named("Other", "other@example.com.au").await;
    let hidden = app
        .as_customer(&someone_else)
        .data(ASSETS, json!({ "id": customer }))
        .await;
    assert!(
        nodes(&hidden).is_empty(),
        "another customer's assets stay hidden"
    );

    // The service team hears the goods are on site. The warranty's renewal
    // reminder (a one-month warranty: due at once) tells the service team,
    // and the customer too, as they agreed to renewal offers (commercial).
    let asset = assets[0]["id"].as_str().unwrap();
    wait_for_sent_email(&app, entity::NotificationKind::ServiceOnSite, &order).await;
    app.clock.advance(Days::hours(2));
    wait_for_sent_email(&app, entity::NotificationKind::WarrantyEnding, asset).await;
    wait_for_sent_email(&app, entity::NotificationKind::WarrantyRenewal, asset).await;
    let to_customer = app
        .notifications_of(entity::NotificationKind::WarrantyRenewal, asset)
        .await;
    assert_eq!(to_customer.len(), 1);
    assert_eq!(to_customer[0].recipient, "kim@example.com.au");
    let to_staff = app
        .notifications_of(entity::NotificationKind::WarrantyEnding, asset)
        .await;
    assert_eq!(to_staff.len(), 1);
    assert_eq!(to_staff[0].recipient, "service@example.com.au");

    // The customer answers the survey through its signed link.
    let survey = api::links::url(
        &app.app.state,
        domain::platform::links::LinkPurpose::Survey,
        uuid::Uuid::parse_str(&order).unwrap(),
    );
    let local = survey.replace(&app.app.state.config.public_base_url, &app.base_url);
    let answered = app
        .client
        .post(&local)
        .form(&[("rating", "5"), ("comment", "Installed the same week")])
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success(), "{}", answered.status());

    // The daily run closes it two days after delivery.
    for _ in 0..5 {
        if closeout_of(&app, &order).await["status"] == "CLOSED" {
            break;
        }
        app.clock.advance(Days::days(1));
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            wait_for("a daily run", PATIENCE, async || {
                closeout_of(&app, &order).await["status"] == "CLOSED"
            }),
        )
        .await;
    }
    let closed = closeout_of(&app, &order).await;
    assert_eq!(closed["status"], "CLOSED", "{closed}");
    assert_eq!(closed["proofOfDelivery"]["signerName"], "Kim Lee");
    assert_eq!(closed["proofOfDelivery"]["shipmentId"], package.as_str());
    let kpis = app
        .admin()
        .data(
            op("fulfilmentKpis", "query { fulfilmentKpis(from: \"2026-11-23\", to: \"2026-12-31\") { clientSatisfaction { responses averageRating } } }"),
            json!({}),
        )
        .await;
    assert_eq!(
        kpis["clientSatisfaction"],
        json!({ "responses": 1, "averageRating": 5.0 })
    );
}

#[tokio::test]
async fn a_drop_ship_is_tracked_from_its_supplier_to_delivery_and_the_customer_sees_it() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let (product, stocking_supplier) =
        sourced_product(&app, "SOFA-3", "400.00", json!({ "warrantyMonths": 1 })).await;
    let direct = new_supplier(
        &buyer,
        json!({ "name": "Sofa Direct", "email": "dispatch@sofadirect.example.com", "dropShips": true }),
    )
    .await;
    supplies(&buyer, &direct, &product, "SD-SOFA", "380.00", 7).await;
    let customer = app.customer_named("Sam Park", "sam@example.com.au").await;
    let order = place(&app, &customer, &[(&product, 1)], None).await;
    reserve(&app, &order).await;
    assert_eq!(order_of(&app, &order).await["status"], "BACKORDERED");

    // Only a supplier that drop-ships may.
    buyer
        .refused(
            SOURCE_DROP_SHIP,
            json!({ "input": { "orderId": order, "supplierId": stocking_supplier } }),
            "supplierId",
            "INVALID_STATE",
        )
        .await;
    let sourced = buyer
        .accepted(
            SOURCE_DROP_SHIP,
            json!({ "input": { "orderId": order, "supplierId": direct } }),
        )
        .await;
    let po = sourced["purchaseOrder"].clone();
    assert_eq!(po["dropShip"], true);
    let ship_to = po["shipTo"].as_str().unwrap();
    assert!(
        ship_to.contains("Sam Park") && ship_to.contains("1 George St"),
        "{ship_to}"
    );

    // The supplier holds the line for the order: it reserves, invoices and is paid.
    reserve(&app, &order).await;
    wait_for("the order invoiced", PATIENCE, async || {
        order_of(&app, &order).await["status"] == "INVOICED"
    })
    .await;
    capture(&app, &order).await;
    send_and_approve(&app, &po).await;
    wait_for_sent_email(
        &app,
        entity::NotificationKind::PurchaseOrder,
        po["id"].as_str().unwrap(),
    )
    .await;
    let po_email = app
        .notifications_of(
            entity::NotificationKind::PurchaseOrder,
            po["id"].as_str().unwrap(),
        )
        .await;
    assert_eq!(po_email[0].recipient, "dispatch@sofadirect.example.com");

    // The supplier's dispatch ships the order; its tracking number is polled.
    let dispatch = json!({ "input": { "purchaseOrderId": po["id"], "courier": "B", "trackingNumber": "SD-TRK-4410" } });
    let dispatched = buyer.accepted(DISPATCH, dispatch.clone()).await;
    assert_eq!(dispatched["shipment"]["fromSupplier"], true);
    assert_eq!(dispatched["shipment"]["stage"], "PICKED_UP");
    assert_eq!(dispatched["shipment"]["order"]["status"], "SHIPPED");
    let twice = buyer.data(DISPATCH, dispatch).await;
    assert_eq!(
        user_errors(&twice),
        [
            input_error("purchaseOrderId", "ILLEGAL_TRANSITION"),
            input_error("trackingNumber", "ALREADY_EXISTS")
        ]
    );
    let done = app
        .admin()
        .data(PURCHASE_ORDER, json!({ "id": po["id"] }))
        .await;
    assert_eq!(done["status"], "RECEIVED");
    let package = dispatched["shipment"]["id"].as_str().unwrap().to_owned();
    wait_for_sent(&app, entity::NotificationKind::ShipmentShipped, &package).await;

    // The customer sees the supplier's package in the order, to delivery.
    let mine = app
        .as_customer(&customer)
        .data(
            op("order", "query($id: ID!) { order(id: $id) { status shipments { fromSupplier trackingNumber courierTrackingUrl } } }"),
            json!({ "id": order }),
        )
        .await;
    assert_eq!(mine["shipments"][0]["fromSupplier"], true);
    assert_eq!(mine["shipments"][0]["trackingNumber"], "SD-TRK-4410");
    deliver(&app, &courier, &package, "SD-TRK-4410").await;
    let delivered = closeout_of(&app, &order).await;
    assert_eq!(delivered["status"], "DELIVERED");
    assert_eq!(delivered["shipments"][0]["status"], "DELIVERED");

    // Its warranty's renewal reminder is commercial: without consent the
    // customer gets none, and the decision is logged.
    let assets = nodes(&app.admin().data(ASSETS, json!({ "id": customer })).await);
    assert_eq!(assets.len(), 1, "{assets:?}");
    let asset = uuid::Uuid::parse_str(assets[0]["id"].as_str().unwrap()).unwrap();
    app.clock.advance(Days::hours(2));
    wait_for("the renewal decision", PATIENCE, async || {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::commercial_send::Entity::find()
            .filter(entity::commercial_send::Column::SubjectId.eq(asset))
            .all(app.db())
            .await
            .unwrap()
            .iter()
            .any(|s| s.outcome == entity::SendOutcome::NoConsent)
    })
    .await;
    // Its emails leave through the reminder's outbox row: once that is
    // handled, the customer has none.
    wait_for("the reminder's emails handled", PATIENCE, async || {
        app.outbox_rows(&asset.to_string())
            .await
            .iter()
            .any(|r| r.topic == "asset.renewal_reminder" && r.processed_at.is_some())
    })
    .await;
    assert!(
        app.notifications_of(
            entity::NotificationKind::WarrantyRenewal,
            &asset.to_string()
        )
        .await
        .is_empty()
    );
}

/// The (only) line of an order as stored.
async fn only_line(app: &TestApp, order: &str) -> entity::order_line::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::order_line::Entity::find()
        .filter(entity::order_line::Column::OrderId.eq(uuid::Uuid::parse_str(order).unwrap()))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_cancelled_drop_ship_hands_its_lines_back_and_bad_proofs_are_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let (product, _) = sourced_product(&app, "DESK-4", "90.00", json!({})).await;
    let direct = new_supplier(&buyer, json!({ "name": "Desk Direct", "dropShips": true })).await;
    supplies(&buyer, &direct, &product, "DD-1", "85.00", 3).await;
    let order = backordered(&app, &product, 2, "lee@example.com.au").await;
    let sourced = buyer
        .data(
            SOURCE_DROP_SHIP,
            json!({ "input": { "orderId": order, "supplierId": direct } }),
        )
        .await;
    let po = sourced["purchaseOrder"]["id"].as_str().unwrap().to_owned();
    let line = only_line(&app, &order).await;
    assert_eq!(line.reserved_quantity, 2);
    assert_eq!(
        line.drop_ship_po_id.map(|id| id.to_string()),
        Some(po.clone())
    );

    // A drop-ship is not dispatched before it is sent.
    buyer
        .refused(
            DISPATCH,
            json!({ "input": { "purchaseOrderId": po, "courier": "A", "trackingNumber": "X-1" } }),
            "purchaseOrderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    let cancelled = buyer
        .data(
            op("cancelPurchaseOrder", "mutation($id: ID!) { cancelPurchaseOrder(input: { purchaseOrderId: $id, reason: \"supplier out of stock\" }) { purchaseOrder { status } userErrors { code } } }"),
            json!({ "id": po }),
        )
        .await;
    assert_eq!(
        cancelled["purchaseOrder"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let line = only_line(&app, &order).await;
    assert_eq!(line.reserved_quantity, 0);
    assert_eq!(line.drop_ship_po_id, None);

    // Proof of delivery for an order that has not left is refused.
    app.as_role(Role::Fulfilment)
        .refused(
            PROOF,
            json!({ "input": { "orderId": order, "signerName": "Lee", "signedAt": "2026-11-22T23:00:00Z", "evidenceReference": "DOC-1" } }),
            "orderId",
            "ILLEGAL_TRANSITION",
        )
        .await;
    assert!(
        app.audit_actions(&order)
            .await
            .iter()
            .all(|a| a != "order.proof_of_delivery")
    );
}

tests::op_const!(CANCEL_ORDER = "cancelOrder": "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"Customer found it cheaper\" }) { order { number status } userErrors { field code message } } }");
tests::op_const!(PO_STATUS = "purchaseOrder": "query($id: ID!) { purchaseOrder(id: $id) { status statusReason approval { id status } } }");

/// A customer's backordered order of `units` of a new product, sourced as
/// a drop-ship from Desk Direct (orders@deskdirect.example.com) at `cost`
/// a unit, SKU `sku`: the order and the DRAFT purchase order.
async fn drop_shipped(app: &TestApp, sku: &str, cost: &str, units: i32) -> (String, String) {
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let (product, _) = sourced_product(app, sku, "700.00", json!({})).await;
    let direct = new_supplier(
        &buyer,
        json!({ "name": "Desk Direct", "email": "orders@deskdirect.example.com", "dropShips": true }),
    )
    .await;
    let supplier_sku = format!("DD-{sku}");
    supplies(&buyer, &direct, &product, &supplier_sku, cost, 3).await;
    let order = backordered(app, &product, units, "kim@example.com.au").await;
    let sourced = buyer
        .accepted(
            SOURCE_DROP_SHIP,
            json!({ "input": { "orderId": order, "supplierId": direct } }),
        )
        .await;
    let po = sourced["purchaseOrder"]["id"].as_str().unwrap().to_owned();
    (order, po)
}

#[tokio::test]
async fn cancelling_an_order_cancels_its_sent_drop_ship_and_tells_the_supplier() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (order, po) = drop_shipped(&app, "DESK-5", "85.00", 2).await;
    send_and_approve(&app, &json!({ "id": po })).await;
    wait_for_sent_email(&app, entity::NotificationKind::PurchaseOrder, &po).await;

    let buyer = app.person("buyer-1", Role::Fulfilment);
    let cancelled = buyer.accepted(CANCEL_ORDER, json!({ "id": order })).await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED");
    let number = cancelled["order"]["number"].as_str().unwrap();
    let after = app.admin().data(PO_STATUS, json!({ "id": po })).await;
    assert_eq!(after["status"], "CANCELLED", "{after}");
    assert_eq!(
        after["statusReason"],
        format!("the customer order {number} was cancelled")
    );
    let line = only_line(&app, &order).await;
    assert_eq!((line.reserved_quantity, line.drop_ship_po_id), (0, None));
    assert!(
        app.audit_actions(&po)
            .await
            .contains(&"purchase_order.cancelled".to_owned())
    );

    // The supplier is told once, in words it cannot miss.
    let kind = entity::NotificationKind::PurchaseOrderCancelled;
    wait_for_sent_email(&app, kind, &po).await;
    let told = app.notifications_of(kind, &po).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].recipient, "orders@deskdirect.example.com");
    let raw = app.sent_email(kind, &po).await;
    let email = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let text = email.body_text(0).unwrap();
    assert!(
        text.contains("please do not send anything to our customer"),
        "{text}"
    );
    assert!(text.contains("2 × DD-DESK-5"), "{text}");
}

#[tokio::test]
async fn an_ending_order_cancels_its_unsent_drop_ship_withdrawing_its_approval_silently() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    // $600 of goods: FINANCE must approve the purchase order.
    let (order, po_id) = drop_shipped(&app, "DESK-6", "600.00", 1).await;
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let asked = buyer.accepted(SEND, json!({ "id": po_id })).await;
    assert_eq!(asked["purchaseOrder"]["status"], "DRAFT", "{asked}");

    buyer.accepted(CANCEL_ORDER, json!({ "id": order })).await;
    let after = app.admin().data(PO_STATUS, json!({ "id": po_id })).await;
    assert_eq!(after["status"], "CANCELLED", "{after}");
    assert_eq!(after["approval"]["status"], "CANCELLED", "{after}");
    // Never sent, so the supplier hears nothing of it.
    let topics: Vec<String> = app
        .outbox_rows(&po_id)
        .await
        .into_iter()
        .map(|r| r.topic)
        .collect();
    assert!(
        !topics.iter().any(|t| t == "purchase_order.cancelled"),
        "{topics:?}"
    );
}

#[tokio::test]
async fn a_purchase_order_awaiting_approval_is_cancelled_by_hand_and_its_approval_withdrawn() {
    let app = TestApp::spawn().await;
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let (product, supplier) = sourced_product(&app, "DESK-7", "700.00", json!({})).await;
    let created = buyer
        .accepted(
            CREATE_PURCHASE_ORDER,
            json!({ "input": { "supplierId": supplier, "lines": [{ "productId": product, "quantity": 4 }] } }),
        )
        .await;
    let po_id = created["purchaseOrder"]["id"].as_str().unwrap().to_owned();
    let asked = buyer.accepted(SEND, json!({ "id": po_id })).await;
    assert_eq!(
        asked["purchaseOrder"]["approval"]["status"], "PENDING",
        "{asked}"
    );

    let cancelled = buyer
        .accepted(
            op("cancelPurchaseOrder", "mutation($id: ID!) { cancelPurchaseOrder(input: { purchaseOrderId: $id, reason: \"ordered twice\" }) { purchaseOrder { status statusReason approval { status } } userErrors { field code message } } }"),
            json!({ "id": po_id }),
        )
        .await;
    let po = &cancelled["purchaseOrder"];
    assert_eq!(po["status"], "CANCELLED", "{cancelled}");
    assert_eq!(po["statusReason"], "ordered twice");
    assert_eq!(po["approval"]["status"], "CANCELLED");
}

/// A backorder's waiting goods are bought once: while a purchase order made
/// from it is open, it is sourced neither again nor as a drop-ship; once
/// that one is cancelled it may be. A drop-ship's goods never reach our
/// shelves, so nothing is received against it.
#[tokio::test]
async fn a_backorder_on_order_is_not_sourced_twice_and_a_drop_ship_is_not_received() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let buyer = app.person("buyer-1", Role::Fulfilment);
    let (product, supplier) = sourced_product(&app, "DESK-7", "700.00", json!({})).await;
    let direct = new_supplier(
        &buyer,
        json!({ "name": "Desk Direct", "email": "orders@deskdirect.example.com", "dropShips": true }),
    )
    .await;
    supplies(&buyer, &direct, &product, "DD-DESK-7", "85.00", 3).await;
    let order = backordered(&app, &product, 2, "kim@example.com.au").await;
    let source = json!({ "input": { "orderId": order, "supplierId": supplier } });
    let first = buyer.accepted(SOURCE, source.clone()).await;
    let number = first["purchaseOrder"]["number"].as_str().unwrap();

    let again = buyer.data(SOURCE, source.clone()).await;
    assert_eq!(
        user_errors(&again),
        [input_error("orderId", "INVALID_STATE")]
    );
    assert!(
        again["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("already on {number} (DRAFT)")),
        "{again}"
    );
    let drop_ship = json!({ "input": { "orderId": order, "supplierId": direct } });
    buyer
        .refused(
            SOURCE_DROP_SHIP,
            drop_ship.clone(),
            "orderId",
            "INVALID_STATE",
        )
        .await;

    // The first one cancelled, the goods go as a drop-ship instead.
    buyer
        .accepted(
            op("cancelPurchaseOrder", "mutation($id: ID!) { cancelPurchaseOrder(input: { purchaseOrderId: $id, reason: \"the supplier ships it\" }) { purchaseOrder { status } userErrors { field code message } } }"),
            json!({ "id": first["purchaseOrder"]["id"] }),
        )
        .await;
    let sourced = buyer.accepted(SOURCE_DROP_SHIP, drop_ship).await;
    let po = &sourced["purchaseOrder"];
    send_and_approve(&app, &json!({ "id": po["id"] })).await;
    let received = app
        .as_role(Role::Fulfilment)
        .data(
            RECEIVE,
            json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": "2026-11-23", "locationId": location,
                "lines": [{ "purchaseOrderLineId": po["lines"][0]["id"], "quantity": 2 }],
                "checklist": passed() } }),
        )
        .await;
    assert_eq!(
        user_errors(&received),
        [input_error("purchaseOrderId", "INVALID_STATE")]
    );
}
