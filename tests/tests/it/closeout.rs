//! The end of an order's life (order flow steps 14–18) through the worker:
//! one follow-up after delivery (commercial ones only with consent, never
//! after an unsubscribe), the daily closure and archive runs acting once
//! with two workers, replenishment tasks, and the fulfilment KPIs of a
//! seeded period against hand-computed figures (the supplier and processing
//! ones from purchase orders received early, late and failing QC).

use chrono::Duration as Days;
use entity::NotificationKind;
use serde_json::{Value, json};
use std::time::Duration;
use tests::courier::FakeCourier;
use tests::fulfil::*;
use tests::purchasing::{
    CREATE_PURCHASE_ORDER, RECEIVE, backordered, failed, invoiced_after_arrival, new_supplier,
    passed, quarantine, send_and_approve, sent_purchase_order, sourced_product, supplies,
};
use tests::shop::{op, place, warehouse};
use tests::{Role, TestApp, kpi_rate, nodes, user_errors, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

/// A paid order of `units` of a new product, shipped in one package and
/// reported delivered: the order and its customer.
async fn delivered_order(
    app: &TestApp,
    courier: &FakeCourier,
    location: &str,
    sku: &str,
    email: &str,
) -> (String, String) {
    let item = stocked(app, location, sku, json!({})).await;
    let (order, customer) = paid_order(app, email, &[(&item, 1)]).await;
    ship_delivered(app, courier, location, &order, 1, order_delivered).await;
    (order, customer)
}

/// Every daily run due on the app clock has fired and been processed.
async fn daily_runs_done(app: &TestApp) -> bool {
    use entity::{TimerStatus, outbox, timer};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let due = timer::Entity::find()
        .filter(timer::Column::Kind.eq("daily_run"))
        .filter(timer::Column::Status.eq(TimerStatus::Planned))
        .filter(timer::Column::DueAt.lte(app.clock.now_utc()))
        .count(app.db())
        .await
        .unwrap();
    let unprocessed = outbox::Entity::find()
        .filter(outbox::Column::Topic.eq("timer.fired"))
        .filter(outbox::Column::ProcessedAt.is_null())
        .count(app.db())
        .await
        .unwrap();
    due == 0 && unprocessed == 0
}

async fn audit_count(app: &TestApp, subject: &str, action: &str) -> usize {
    app.audit_actions(subject)
        .await
        .iter()
        .filter(|a| a.as_str() == action)
        .count()
}

/// Move the clock on a day at a time (each business day's run fires at its
/// close) until `done`.
async fn days_until(app: &TestApp, what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..15 {
        if done().await {
            return;
        }
        app.clock.advance(Days::days(1));
        // Give the sweep a moment to fire what came due.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while tokio::time::Instant::now() < deadline {
            if done().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("{what} never happened");
}

#[tokio::test]
async fn a_delivered_order_gets_one_follow_up_and_two_workers_close_and_archive_it_once() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    let _second = app.start_worker().await;
    app.admin()
        .change_business_settings(
            json!({ "followUpAfterDays": 1, "closeAfterDays": 2, "archiveAfterDays": 3 }),
        )
        .await;
    let location = warehouse(&app).await;
    let (order, _) =
        delivered_order(&app, &courier, &location, "MUG-1", "gail@example.com.au").await;

    // One feedback request, a day after delivery, whatever else runs.
    app.clock.advance(Days::days(1) + Days::hours(2));
    wait_for_sent(&app, NotificationKind::DeliveryFeedback, &order).await;
    days_until(&app, "the order archived", async || {
        let seen = app
            .admin()
            .data(
                op(
                    "order",
                    "query($id: ID!) { order(id: $id) { status archived closedAt } }",
                ),
                json!({ "id": order }),
            )
            .await;
        seen["archived"] == true
    })
    .await;
    assert_eq!(audit_count(&app, &order, "order.closed").await, 1);
    assert_eq!(audit_count(&app, &order, "order.archived").await, 1);
    assert_eq!(audit_count(&app, &order, "order.follow_up").await, 1);
    let follow_ups = app
        .outbox_rows(&order)
        .await
        .into_iter()
        .filter(|r| r.topic == "order.follow_up")
        .count();
    assert_eq!(follow_ups, 1);
    assert_eq!(
        app.notifications_of(NotificationKind::DeliveryFeedback, &order)
            .await
            .len(),
        1
    );

    // Archived: still readable, left out of the default list.
    let list = |include: bool| {
        let app = &app;
        async move {
            let found = app
                .admin()
                .data(
                    op("orders", "query($f: OrderFilter) { orders(first: 100, filter: $f) { edges { node { id status } } } }"),
                    json!({ "f": { "includeArchived": include } }),
                )
                .await;
            nodes(&found)
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(!list(false).await.contains(&order));
    assert!(list(true).await.contains(&order));
}

#[tokio::test]
async fn commercial_follow_ups_go_only_to_consenting_customers_until_they_unsubscribe() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    app.admin()
        .change_business_settings(json!({ "followUpKind": "DISCOUNT", "followUpAfterDays": 1 }))
        .await;
    let location = warehouse(&app).await;

    // No consent: decided, logged, not sent.
    let (silent, _) =
        delivered_order(&app, &courier, &location, "PEN-1", "hal@example.com.au").await;
    app.clock.advance(Days::days(1) + Days::hours(1));
    wait_for("the decision about the first order", PATIENCE, async || {
        audit_count(&app, &silent, "order.follow_up").await == 1
    })
    .await;
    let decided = commercial_sends(&app).await;
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert_eq!(decided[0]["outcome"], "NO_CONSENT");
    assert!(
        app.outbox_rows(&silent)
            .await
            .iter()
            .all(|r| r.topic != "order.follow_up"),
        "no commercial email without consent"
    );

    // With consent: sent, with the one-click unsubscribe headers.
    let customer = app.customer_named("Ivy Chen", "ivy@example.com.au").await;
    app.as_customer(&customer)
        .give_consent(&customer, "OFFERS", "checkout checkbox")
        .await;
    let first = order_for(&app, &courier, &location, &customer, "INK-1").await;
    app.clock.advance(Days::days(1) + Days::hours(1));
    let offer = wait_for_sent(&app, NotificationKind::NextPurchaseOffer, &first).await;
    let raw = std::fs::read(eml_with_id(&app, &offer.message_id).expect("the offer was written"))
        .unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    assert!(
        text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{text}"
    );
    let unsubscribe = text
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .and_then(|l| l.strip_suffix('>'))
        .expect("a List-Unsubscribe header")
        .to_owned();

    // One-click unsubscribe (RFC 8058), honoured at once.
    let local = unsubscribe.replace(&app.app.state.config.public_base_url, &app.base_url);
    let answered = app
        .client
        .post(&local)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success(), "{}", answered.status());

    // The next delivered order: no offer, while its transactional emails go on.
    let second = order_for(&app, &courier, &location, &customer, "INK-2").await;
    app.clock.advance(Days::days(1) + Days::hours(1));
    wait_for(
        "the decision about the second order",
        PATIENCE,
        async || audit_count(&app, &second, "order.follow_up").await == 1,
    )
    .await;
    let outcomes: Vec<Value> = commercial_sends(&app)
        .await
        .iter()
        .map(|s| s["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        [json!("UNSUBSCRIBED"), json!("SENT"), json!("NO_CONSENT")],
        "newest first"
    );
    assert!(
        app.notifications_of(NotificationKind::NextPurchaseOffer, &second)
            .await
            .is_empty()
    );
    let shipments = app
        .admin()
        .data(
            op(
                "order",
                "query($id: ID!) { order(id: $id) { shipments { id } } }",
            ),
            json!({ "id": second }),
        )
        .await;
    let package = shipments["shipments"][0]["id"].as_str().unwrap().to_owned();
    wait_for_sent(&app, NotificationKind::ShipmentDelivered, &package).await;
}

/// A delivered order of one unit of a new product for `customer`.
async fn order_for(
    app: &TestApp,
    courier: &FakeCourier,
    location: &str,
    customer: &str,
    sku: &str,
) -> String {
    let item = stocked(app, location, sku, json!({})).await;
    let order = place(app, customer, &[(&item, 1)], None).await;
    pay(app, &order).await;
    ship_reported(
        app,
        courier,
        location,
        &order,
        1,
        "LEFT_SAFE",
        order_delivered,
    )
    .await;
    order
}

async fn commercial_sends(app: &TestApp) -> Vec<Value> {
    let found = app
        .admin()
        .data(
            op(
                "commercialSends",
                "query { commercialSends(first: 100) { edges { node { outcome } } } }",
            ),
            json!({}),
        )
        .await;
    nodes(&found)
}

fn eml_with_id(app: &TestApp, message_id: &str) -> Option<std::path::PathBuf> {
    let wanted = message_id.trim_matches(['<', '>']);
    std::fs::read_dir(app.mail_dir())
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            std::fs::read(p).is_ok_and(|raw| {
                mail_parser::MessageParser::default()
                    .parse(&raw)
                    .and_then(|m| m.message_id().map(|id| id == wanted))
                    .unwrap_or(false)
            })
        })
}

#[tokio::test]
async fn products_under_their_reorder_point_raise_one_replenishment_task() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    // 100 on hand: under a reorder point of 150, over one of 50.
    let short = stocked(
        &app,
        &location,
        "TAPE-1",
        json!({ "reorderPoint": 150, "reorderQuantity": 200 }),
    )
    .await;
    stocked(
        &app,
        &location,
        "GLUE-1",
        json!({ "reorderPoint": 50, "reorderQuantity": 100 }),
    )
    .await;
    let tasks = async || {
        let found = app
            .as_role(Role::Fulfilment)
            .data(
                op("replenishmentTasks", "query { replenishmentTasks(first: 100, status: OPEN) { edges { node { id product { id } onHand reorderPoint suggestedQuantity status } } } }"),
                json!({}),
            )
            .await;
        nodes(&found)
    };
    // Two business days' runs: still one open task.
    days_until(&app, "a task raised", async || !tasks().await.is_empty()).await;
    app.clock.advance(Days::days(3));
    wait_for("the later daily runs", PATIENCE, async || {
        daily_runs_done(&app).await
    })
    .await;
    let open = tasks().await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["product"]["id"], short.as_str());
    assert_eq!(open[0]["onHand"], 100);
    assert_eq!(open[0]["suggestedQuantity"], 200);
    use sea_orm::{EntityTrait, PaginatorTrait};
    let all = entity::replenishment_task::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(all, 1, "one task however many runs");

    // Purchasing answers it with a purchase order for the suggested quantity.
    let buyer = app.as_role(Role::Finance);
    let supplier = new_supplier(
        &buyer,
        json!({ "name": "Tape Co", "email": "orders@tape.example.com" }),
    )
    .await;
    supplies(&buyer, &supplier, &short, "T-1", "1.50", 3).await;
    let source = op(
        "sourceReplenishment",
        "mutation($input: SourceReplenishmentInput!) { sourceReplenishment(input: $input) { purchaseOrder { status sourceTaskId lines { quantity unitCost { amount } } } userErrors { field code } } }",
    );
    let task = open[0]["id"].clone();
    let sourced = buyer
        .accepted(
            source,
            json!({ "input": { "taskId": task, "supplierId": supplier } }),
        )
        .await;
    let po = &sourced["purchaseOrder"];
    assert_eq!(po["status"], "DRAFT");
    assert_eq!(po["sourceTaskId"], task);
    assert_eq!(po["lines"][0]["quantity"], 200);
    assert_eq!(po["lines"][0]["unitCost"]["amount"], "1.50");
    assert!(tasks().await.is_empty(), "the task is done");
    let again = buyer
        .data(
            source,
            json!({ "input": { "taskId": task, "supplierId": supplier } }),
        )
        .await;
    assert_eq!(
        user_errors(&again),
        [tests::input_error("taskId", "ILLEGAL_TRANSITION")]
    );

    // While that order is coming, later runs raise nothing for the product.
    app.clock.advance(Days::days(2));
    wait_for("the next daily runs", PATIENCE, async || {
        daily_runs_done(&app).await
    })
    .await;
    assert!(tasks().await.is_empty(), "{:?}", tasks().await);
    let all = entity::replenishment_task::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(all, 1, "the product on order is not raised again");
}

#[tokio::test]
async fn the_kpis_of_a_seeded_period_match_hand_computed_figures() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    let location = warehouse(&app).await;
    let item = stocked(&app, &location, "BOWL-1", json!({})).await;
    let placed_at = app.clock.now_utc();
    // Three orders placed, one placement refused (a postcode in the wrong state).
    let (a, _) = paid_order(&app, "ann@example.com.au", &[(&item, 2)]).await;
    let (b, _) = paid_order(&app, "ben@example.com.au", &[(&item, 3)]).await;
    paid_order(&app, "cat@example.com.au", &[(&item, 1)]).await;
    let refused = app
        .person("clerk", Role::Fulfilment)
        .post(
            "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }",
            json!({ "input": { "guest": { "name": "Dee", "email": "dee@example.com.au" }, "lines": [{ "productId": item, "quantity": 1 }],
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "VIC", "postcode": "2000" },
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    assert!(
        !user_errors(&refused["data"]["placeOrder"]).is_empty(),
        "{refused}"
    );

    // A: everything in one package, delivered 30 hours after placing (on time).
    let a_lines = line_ids(&app, &a).await;
    let (a_pkg, a_tn) = ship(&app, &a, &location, &[(&a_lines[0], 2)], "B").await;
    // B: 2 of 3 first, the last one a minute later; delivered on 26
    // December, after its required date (24 December).
    let b_lines = line_ids(&app, &b).await;
    let (_, b_tn1) = ship(&app, &b, &location, &[(&b_lines[0], 2)], "B").await;
    app.clock.advance(Days::minutes(1));
    let (b_pkg2, b_tn2) = ship(&app, &b, &location, &[(&b_lines[0], 1)], "B").await;
    courier.report(
        &a_tn,
        placed_at + Days::hours(30),
        "DELIVERED",
        None,
        "DL",
        None,
    );
    courier.report(
        &b_tn1,
        placed_at + Days::hours(30),
        "DELIVERED",
        None,
        "DL",
        None,
    );
    courier.report(
        &b_tn2,
        placed_at + Days::hours(792),
        "DELIVERED",
        None,
        "DL",
        None,
    );
    poll_until(&app, &a_pkg, "A delivered", |s| {
        s["order"]["status"] == "DELIVERED"
    })
    .await;
    wait_for("B delivered", PATIENCE, async || {
        shipment_of(&app, &b_pkg2).await["order"]["status"] == "DELIVERED"
    })
    .await;

    // A's customer answers the satisfaction survey through its signed link.
    let survey = api::links::url(
        &app.app.state,
        domain::platform::links::LinkPurpose::Survey,
        uuid::Uuid::parse_str(&a).unwrap(),
    );
    let local = survey.replace(&app.app.state.config.public_base_url, &app.base_url);
    let answered = app
        .client
        .post(&local)
        .form(&[("rating", "4"), ("comment", "Quick and well packed")])
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success(), "{}", answered.status());

    let kpis = app
        .admin()
        .data(
            op("fulfilmentKpis", "query { fulfilmentKpis(from: \"2026-11-23\", to: \"2026-12-31\") { onTimeDelivery { rate numerator denominator } fillRate { rate numerator denominator } cycleTime { orders medianHours p90Hours } orderEntryErrorRate { rate numerator denominator } clientSatisfaction { responses averageRating } } }"),
            json!({}),
        )
        .await;
    assert_eq!(kpis["onTimeDelivery"], kpi_rate(0.5, 1, 2));
    assert_eq!(kpis["fillRate"], kpi_rate(0.8, 4, 5));
    assert_eq!(
        kpis["cycleTime"],
        json!({ "orders": 2, "medianHours": 411.0, "p90Hours": 792.0 })
    );
    assert_eq!(
        kpis["clientSatisfaction"],
        json!({ "responses": 1, "averageRating": 4.0 })
    );
    assert_eq!(kpis["orderEntryErrorRate"], kpi_rate(0.25, 1, 4));

    // A period before any of it measures nothing; a reversed one is refused.
    let empty = app
        .admin()
        .data(op("fulfilmentKpis", "query { fulfilmentKpis(from: \"2026-01-01\", to: \"2026-01-31\") { onTimeDelivery { rate denominator } } }"), json!({}))
        .await;
    assert_eq!(
        empty["onTimeDelivery"],
        json!({ "rate": null, "denominator": 0 })
    );
    let reversed = app
        .admin()
        .post("query { fulfilmentKpis(from: \"2026-02-01\", to: \"2026-01-01\") { fillRate { rate } } }", json!({}))
        .await;
    assert!(reversed["errors"].is_array(), "{reversed}");
}

#[tokio::test]
async fn a_bouncing_address_gets_no_commercial_follow_up_even_with_consent() {
    let (app, courier, _worker) = with_fake_courier(None).await;
    app.admin()
        .change_business_settings(json!({ "followUpKind": "REVIEW", "followUpAfterDays": 1 }))
        .await;
    let location = warehouse(&app).await;
    let customer = app.customer_named("Jo Park", "jo@example.com.au").await;
    app.admin()
        .give_consent(&customer, "REVIEW_REQUESTS", "phone call")
        .await;
    // The mail server refused the address for good earlier.
    domain::platform::deliverability::mark_bouncing(
        app.db(),
        "Jo@Example.com.au",
        "550 5.1.1 no such user",
        app.clock.now_utc(),
    )
    .await
    .unwrap();
    let order = order_for(&app, &courier, &location, &customer, "CUP-1").await;
    app.clock.advance(Days::days(1) + Days::hours(1));
    wait_for("the follow-up decision", PATIENCE, async || {
        audit_count(&app, &order, "order.follow_up").await == 1
    })
    .await;
    let outcomes: Vec<Value> = commercial_sends(&app)
        .await
        .iter()
        .map(|s| s["outcome"].clone())
        .collect();
    assert_eq!(outcomes, [json!("BOUNCING")]);
    assert!(
        app.notifications_of(NotificationKind::ReviewRequest, &order)
            .await
            .is_empty()
    );
}

const KPIS: &str = "query($from: Date!, $to: Date!) { fulfilmentKpis(from: $from, to: $to) { orderEntryErrorRate { rate numerator denominator } supplierOnTime { rate numerator denominator } supplierOnTimeBySupplier { supplierId supplierName onTime { rate numerator denominator } } receiptToShip { purchaseOrders medianHours p90Hours } orderProcessingErrors { rate { rate numerator denominator } corrections qcFailures ordersPlaced receipts } } }";

async fn kpis_of(app: &TestApp, from: &str, to: &str) -> Value {
    app.admin()
        .data(
            op("fulfilmentKpis", KPIS),
            json!({ "from": from, "to": to }),
        )
        .await
}

/// A purchase order made by hand for `quantity` of one product, promised
/// for `expected_on`, sent: its id and line id.
async fn promised(
    app: &TestApp,
    supplier: &str,
    product: &str,
    quantity: i32,
    expected_on: &str,
) -> (String, String) {
    let created = app
        .as_role(Role::Fulfilment)
        .accepted(
            CREATE_PURCHASE_ORDER,
            json!({ "input": { "supplierId": supplier, "expectedOn": expected_on, "lines": [{ "productId": product, "quantity": quantity }] } }),
        )
        .await;
    let po = created["purchaseOrder"].clone();
    send_and_approve(app, &po).await;
    (
        po["id"].as_str().unwrap().to_owned(),
        po["lines"][0]["id"].as_str().unwrap().to_owned(),
    )
}

/// Receive `quantity` of a purchase order's line on `received_on`: into
/// the warehouse when QC passes, else into quarantine.
async fn receive(
    app: &TestApp,
    (po, line): (&str, &str),
    quantity: i32,
    received_on: &str,
    at: &str,
    qc_passed: bool,
) {
    let checklist = if qc_passed { passed() } else { failed() };
    app.as_role(Role::Fulfilment)
        .accepted(
            RECEIVE,
            json!({ "input": { "purchaseOrderId": po, "receivedOn": received_on, "locationId": at,
                "lines": [{ "purchaseOrderLineId": line, "quantity": quantity }], "checklist": checklist } }),
        )
        .await;
}

#[tokio::test]
async fn supplier_receipt_and_processing_kpis_follow_purchase_orders_and_corrections() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let hold = quarantine(&app).await;
    let (bowl, bowls) = sourced_product(&app, "BOWL-2", "20.00", json!({})).await;
    let (lamp, lamps) = sourced_product(&app, "LAMP-2", "30.00", json!({})).await;
    let (fan, fans) = sourced_product(&app, "FAN-2", "40.00", json!({})).await;

    // Promised for 25 November: one unit on the 24th, the last on the 26th (late).
    let (po, line) = promised(&app, &bowls, &bowl, 2, "2026-11-25").await;
    receive(&app, (&po, &line), 1, "2026-11-24", &location, true).await;
    receive(&app, (&po, &line), 1, "2026-11-26", &location, true).await;
    // Promised for the 27th and delivered that day, but failing QC (on time;
    // a processing error).
    let (po, line) = promised(&app, &bowls, &bowl, 1, "2026-11-27").await;
    receive(&app, (&po, &line), 1, "2026-11-27", &hold, false).await;
    // Promised for the 30th, delivered on the 24th (early).
    let (po, line) = promised(&app, &lamps, &lamp, 1, "2026-11-30").await;
    receive(&app, (&po, &line), 1, "2026-11-24", &location, true).await;

    // A backorder sourced from a supplier (no promised date: not a supplier
    // delivery), received, reserved, paid and shipped five hours after the receipt.
    let order = backordered(&app, &fan, 1, "kim@example.com.au").await;
    let sourced = sent_purchase_order(&app, &order, &fans).await;
    let sourced_line = sourced["lines"][0]["id"].as_str().unwrap().to_owned();
    receive(
        &app,
        (sourced["id"].as_str().unwrap(), &sourced_line),
        1,
        "2026-11-24",
        &location,
        true,
    )
    .await;
    invoiced_after_arrival(&app, &order).await;
    capture(&app, &order).await;
    app.clock.advance(Days::hours(5));
    let lines = line_ids(&app, &order).await;
    ship(&app, &order, &location, &[(&lines[0], 1)], "A").await;

    // Two more orders placed: one cancelled by staff (a correction), one by
    // its customer (their choice, not an error).
    let cancel = op(
        "cancelOrder",
        "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"changed plans\" }) { order { status } userErrors { code } } }",
    );
    for (email, by_staff) in [("lee@example.com.au", true), ("max@example.com.au", false)] {
        let customer = app.customer_named("Lee Tan", email).await;
        let placed = place(&app, &customer, &[(&lamp, 1)], None).await;
        let caller = if by_staff {
            app.as_role(Role::Fulfilment)
        } else {
            app.as_customer(&customer)
        };
        let cancelled = caller.data(cancel, json!({ "id": placed })).await;
        assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    }

    let week = kpis_of(&app, "2026-11-23", "2026-11-30").await;
    assert_eq!(week["supplierOnTime"], kpi_rate(0.6667, 2, 3));
    let by_supplier = week["supplierOnTimeBySupplier"].as_array().unwrap();
    assert_eq!(by_supplier.len(), 2, "{by_supplier:?}");
    let of = |supplier: &str| {
        by_supplier
            .iter()
            .find(|s| s["supplierId"] == supplier)
            .unwrap_or_else(|| panic!("{supplier} in {by_supplier:?}"))
            .clone()
    };
    assert_eq!(
        of(&bowls),
        json!({ "supplierId": bowls, "supplierName": "Supplier of BOWL-2",
            "onTime": { "rate": 0.5, "numerator": 1, "denominator": 2 } })
    );
    assert_eq!(of(&lamps)["onTime"], kpi_rate(1.0, 1, 1));
    assert_eq!(
        week["receiptToShip"],
        json!({ "purchaseOrders": 1, "medianHours": 5.0, "p90Hours": 5.0 })
    );
    // (1 staff cancellation + 1 failed receipt) ÷ (3 orders placed + 5 receipts).
    assert_eq!(
        week["orderProcessingErrors"],
        json!({ "rate": { "rate": 0.25, "numerator": 2, "denominator": 8 },
            "corrections": 1, "qcFailures": 1, "ordersPlaced": 3, "receipts": 5 })
    );
    assert_eq!(week["orderEntryErrorRate"], kpi_rate(0.0, 0, 3));

    // Up to the 25th: the bowls promised then were not all in yet.
    let early = kpis_of(&app, "2026-11-23", "2026-11-25").await;
    assert_eq!(early["supplierOnTime"], kpi_rate(1.0, 1, 1));
    assert_eq!(
        early["orderProcessingErrors"]["rate"],
        kpi_rate(0.1667, 1, 6)
    );

    // A period before any of it measures nothing.
    let empty = kpis_of(&app, "2026-01-01", "2026-01-31").await;
    assert_eq!(
        empty["supplierOnTime"],
        json!({ "rate": null, "numerator": 0, "denominator": 0 })
    );
    assert_eq!(empty["supplierOnTimeBySupplier"], json!([]));
    assert_eq!(
        empty["receiptToShip"],
        json!({ "purchaseOrders": 0, "medianHours": null, "p90Hours": null })
    );
    assert_eq!(
        empty["orderProcessingErrors"],
        json!({ "rate": { "rate": null, "numerator": 0, "denominator": 0 },
            "corrections": 0, "qcFailures": 0, "ordersPlaced": 0, "receipts": 0 })
    );
}
