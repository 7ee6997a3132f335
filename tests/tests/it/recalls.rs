//! Recalls (issue #31): a batch sold in four orders to three customers (one
//! with two orders, one without an email address) is recalled; exactly
//! those customers get one notice each, emailed once even when the
//! `recall.started` event is delivered twice; the other batch's buyer gets
//! none; progress counts; a customer sees its own notice only; the ACCC
//! reminder and escalation go out once each on the app clock (two workers)
//! and the submission stops what is left; bad input is refused.

use chrono::Duration as Days;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tests::fulfil::{PACK, PATIENCE, line_ids, pay};
use tests::shop::{op, place, warehouse};
use tests::{Op, Role, TestApp, eml_files, wait_for};
use uuid::Uuid;

tests::op_const!(START = "startRecall": "mutation($input: StartRecallInput!) { startRecall(input: $input) { recall { id number version status startedOn acccDueOn batches { id batchCode } } userErrors { field code message } } }");

tests::op_const!(RECALL = "recall": "query($id: ID!) { recall(id: $id) { number version acccSubmittedAt acccReference progress { affectedCustomers pending notified responded remedied unreachable } notices(first: 50) { edges { node { id customerId email status units } } } } }");

tests::op_const!(MY_NOTICES = "recallNotices": "query { recallNotices(first: 20) { edges { node { id customerId status units recall { number batchCodes defect hazard customerAction remedy product { sku } } } } } }");

tests::op_const!(SUBMIT = "recordRecallSubmission": "mutation($input: RecordRecallSubmissionInput!) { recordRecallSubmission(input: $input) { recall { acccSubmittedAt acccReference version } userErrors { field code message } } }");

tests::op_const!(RESPOND = "recordRecallNoticeResponse": "mutation($input: RecordRecallNoticeResponseInput!) { recordRecallNoticeResponse(input: $input) { notice { status note } userErrors { field code message } } }");

/// A batch-tracked product; its id.
async fn batch_product(app: &TestApp, sku: &str) -> String {
    tests::shop::create_product(
        app,
        json!({ "sku": sku, "name": format!("Heater {sku}"), "taxCode": "TAXABLE",
            "price": "20.00", "pricesIncludeGst": true, "weightGrams": 500, "batchTracked": true }),
    )
    .await
}

/// `quantity` units of `batch` into stock, and the batch's record (created
/// by stock arriving; made here when that code is not in yet).
async fn stock_batch(
    app: &TestApp,
    product: &str,
    location: &str,
    batch: &str,
    quantity: i32,
) -> Uuid {
    let batch_code = json!({ "batchCode": batch });
    tests::shop::add_stock(app, product, location, quantity, batch_code).await;
    batch_id(app, product, batch).await
}

pub(crate) async fn batch_id(app: &TestApp, product: &str, batch: &str) -> Uuid {
    use entity::product_batch;
    let product = Uuid::parse_str(product).unwrap();
    if let Some(b) = product_batch::Entity::find()
        .filter(product_batch::Column::ProductId.eq(product))
        .filter(product_batch::Column::BatchCode.eq(batch))
        .one(app.db())
        .await
        .unwrap()
    {
        return b.id;
    }
    let now = app.clock.now_utc();
    product_batch::ActiveModel {
        id: Set(Uuid::now_v7()),
        product_id: Set(product),
        batch_code: Set(batch.to_owned()),
        supplier_party_id: Set(None),
        first_received_on: Set(None),
        country_of_manufacture: Set(None),
        status: Set(entity::BatchStatus::Active),
        recall_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(app.db())
    .await
    .unwrap()
    .id
}

/// A paid order of `units` for `customer`, packed: the package's id.
async fn sold(app: &TestApp, customer: &str, product: &str, location: &str, units: i32) -> Value {
    let order = place(app, customer, &[(product, units)], None).await;
    packed(app, &order, location, units).await
}

/// A guest's order (`name`, `email`) of `units`, paid and packed: the package.
async fn sold_to_guest(
    app: &TestApp,
    (name, email): (&str, &str),
    product: &str,
    location: &str,
    units: i32,
) -> Value {
    let placed = app
        .as_role(Role::Fulfilment)
        .accepted(
            op("placeOrder", "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { field code message } } }"),
            json!({ "input": { "guest": { "name": name, "email": email },
                "lines": [{ "productId": product, "quantity": units }],
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    let order = placed["order"]["id"].as_str().unwrap().to_owned();
    packed(app, &order, location, units).await
}

/// `order` paid, and its `units` of its first line packed: the package.
async fn packed(app: &TestApp, order: &str, location: &str, units: i32) -> Value {
    pay(app, order).await;
    let line = line_ids(app, order).await.remove(0);
    let packed = app
        .as_role(Role::Fulfilment)
        .accepted(
            PACK,
            json!({ "input": { "orderId": order, "locationId": location,
            "items": [{ "orderLineId": line, "quantity": units }],
            "weightGrams": 1500, "lengthMm": 300, "widthMm": 200, "heightMm": 100 } }),
        )
        .await;
    packed["shipment"].clone()
}

fn recall_input(product: &str, batches: &[Uuid]) -> Value {
    json!({ "input": { "productId": product, "batchIds": batches,
        "defect": "The thermal cut-out can fail.", "hazard": "The heater can overheat and catch fire.",
        "soldWhere": "Online shop", "soldFrom": "2026-11-01", "soldTo": "2026-11-23",
        "customerAction": "Stop using the heater now and unplug it.",
        "remedy": "Return it to us for a full refund; we pay the postage." } })
}

/// The recall's notices by customer id.
async fn notices(app: &TestApp, recall: &str) -> Value {
    app.as_role(Role::Compliance)
        .data(RECALL, json!({ "id": recall }))
        .await
}

/// Recall notice emails in the mail folder, by recipient (the `To:` line).
fn recall_emails(app: &TestApp) -> Vec<String> {
    let mut to: Vec<String> = eml_files(&app.mail_dir())
        .iter()
        .filter_map(|p| {
            let raw = std::fs::read_to_string(p).ok()?;
            if !raw.contains("Product safety recall") {
                return None;
            }
            raw.lines()
                .find_map(|l| l.strip_prefix("To: "))
                .map(str::to_owned)
        })
        .collect();
    to.sort();
    to
}

/// Deliver the recall's `recall.started` event again (as a relay that lost
/// its lease would) and wait until it is processed.
async fn deliver_started_again(app: &TestApp, recall: &str) {
    let first = app
        .outbox_rows(recall)
        .await
        .into_iter()
        .find(|r| r.topic == "recall.started")
        .expect("the recall.started row");
    let again = sea_orm::ActiveModelTrait::insert(
        entity::outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            ..domain::kernel::write::pending_outbox_row(
                &first.topic,
                first.subject_id,
                first.payload.clone(),
            )
        },
        app.db(),
    )
    .await
    .unwrap();
    wait_for("the repeated event processed", PATIENCE, async || {
        entity::outbox::Entity::find_by_id(again.id)
            .one(app.db())
            .await
            .unwrap()
            .is_some_and(|r| r.processed_at.is_some())
    })
    .await;
}

fn eml_count(app: &TestApp, to: &str) -> usize {
    eml_files(&app.mail_dir())
        .iter()
        .filter(|p| {
            let raw = std::fs::read_to_string(p).unwrap_or_default();
            raw.contains(&format!("To: {to}")) && raw.contains("Product safety recall")
        })
        .count()
}

#[tokio::test]
async fn a_recalled_batch_reaches_each_buyer_once_and_the_accc_clock_runs() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let _second = app.start_worker().await;
    tests::engagements::staff(&app, "safety@example.com.au", "COMPLIANCE").await;
    tests::engagements::staff(&app, "boss@example.com.au", "ADMIN").await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-R1").await;
    let admin = app.admin();
    let c1 = admin
        .new_customer(json!({ "name": "Ana Twice", "email": "ana@example.com" }))
        .await;
    let c2 = admin
        .new_customer(json!({ "name": "Ben Once", "email": "ben@example.com" }))
        .await;
    let c3 = admin.new_customer(json!({ "name": "Cal No-Email" })).await;
    let c4 = admin
        .new_customer(json!({ "name": "Dee Other", "email": "dee@example.com" }))
        .await;

    // Batch A: exactly the units of four orders of three customers.
    let a = stock_batch(&app, &heater, &location, "LOT-A", 5).await;
    for (customer, units) in [(&c1, 2), (&c1, 1), (&c2, 1), (&c3, 1)] {
        let package = sold(&app, customer, &heater, &location, units).await;
        assert_eq!(package["items"][0]["batchCode"], "LOT-A", "{package}");
    }
    // A fifth unit of A reserved (paid) but not packed: once A is blocked
    // it ships from other stock, so that customer is not one of A's.
    let c5 = admin
        .new_customer(json!({ "name": "Eve Waiting", "email": "eve@example.com" }))
        .await;
    stock_batch(&app, &heater, &location, "LOT-A", 1).await;
    let waiting = place(&app, &c5, &[(&heater, 1)], None).await;
    pay(&app, &waiting).await;
    // Batch B: one order of another customer.
    let b = stock_batch(&app, &heater, &location, "LOT-B", 5).await;
    let package = sold(&app, &c4, &heater, &location, 1).await;
    assert_eq!(package["items"][0]["batchCode"], "LOT-B", "{package}");

    // Recall A (Monday 23 November 2026, 10:00): due Wednesday.
    let compliance = app.as_role(Role::Compliance);
    let started = compliance
        .accepted(START, recall_input(&heater, &[a]))
        .await;
    let recall = started["recall"].clone();
    let id = recall["id"].as_str().unwrap().to_owned();
    assert_eq!(recall["startedOn"], "2026-11-23");
    assert_eq!(recall["acccDueOn"], "2026-11-25");
    assert_eq!(recall["batches"][0]["batchCode"], "LOT-A");
    let batch = entity::product_batch::Entity::find_by_id(a)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        batch.status,
        entity::BatchStatus::Recalled,
        "blocked in the same transaction"
    );
    // Found by its batch and due date, with its audit trail; batch B has none.
    let by_batch = |batch: Uuid| json!({ "filter": { "batchId": batch.to_string(), "dueBefore": "2026-11-25", "dueAfter": "2026-11-25" } });
    const FIND: Op = Op {
        field: "recalls",
        document: "query($filter: RecallFilter) { recalls(filter: $filter) { nodes { id auditTrail { nodes { action } } } } }",
    };
    let found = compliance.data(FIND, by_batch(a)).await;
    assert_eq!(found["nodes"][0]["id"], id.as_str(), "{found}");
    assert_eq!(
        found["nodes"][0]["auditTrail"]["nodes"][0]["action"], "recall.started",
        "{found}"
    );
    assert_eq!(compliance.data(FIND, by_batch(b)).await["nodes"], json!([]));

    // The waiting order's unit of A moved to B in the recall's transaction:
    // it packs from B; a new reservation passes over A too.
    const ALLOCATIONS: Op = Op {
        field: "order",
        document: "query($id: ID!) { order(id: $id) { allocations { batchCode quantity } } }",
    };
    let moved = app
        .admin()
        .data(ALLOCATIONS, json!({ "id": waiting }))
        .await;
    assert_eq!(
        moved["allocations"],
        json!([{ "batchCode": "LOT-B", "quantity": 1 }]),
        "{moved}"
    );
    let line = line_ids(&app, &waiting).await.remove(0);
    let packed = app
        .as_role(Role::Fulfilment)
        .accepted(
            PACK,
            json!({ "input": { "orderId": waiting, "locationId": location,
            "items": [{ "orderLineId": line, "quantity": 1 }],
            "weightGrams": 1500, "lengthMm": 300, "widthMm": 200, "heightMm": 100 } }),
        )
        .await;
    assert_eq!(
        packed["shipment"]["items"][0]["batchCode"], "LOT-B",
        "{packed}"
    );
    stock_batch(&app, &heater, &location, "LOT-A", 3).await;
    let package = sold(&app, &c5, &heater, &location, 1).await;
    assert_eq!(
        package["items"][0]["batchCode"], "LOT-B",
        "not from A: {package}"
    );

    // Exactly the three customers of A: two emailed once, one unreachable.
    let mut seen = Value::Null;
    wait_for("the notices emailed", PATIENCE, async || {
        seen = notices(&app, &id).await;
        seen["progress"]["notified"] == 2 && seen["progress"]["unreachable"] == 1
    })
    .await;
    assert_eq!(seen["progress"]["affectedCustomers"], 3, "{seen}");
    assert_eq!(seen["progress"]["pending"], 0, "{seen}");
    let edges = seen["notices"]["edges"].as_array().unwrap().clone();
    let by_customer = |c: &str| {
        edges
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["customerId"] == c)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(by_customer(&c1)["units"], 3, "two orders, summed");
    assert_eq!(by_customer(&c1)["status"], "NOTIFIED");
    assert_eq!(by_customer(&c2)["status"], "NOTIFIED");
    assert_eq!(by_customer(&c3)["status"], "UNREACHABLE");
    assert_eq!(
        by_customer(&c4),
        Value::Null,
        "batch B's buyer is not affected"
    );
    let kind = entity::NotificationKind::RecallNotice;
    let emailed = |node: &Value| node["id"].as_str().unwrap().to_owned();
    for c in [&c1, &c2] {
        let rows = app.notifications_of(kind, &emailed(&by_customer(c))).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].status, entity::NotificationStatus::Sent);
    }
    assert_eq!(eml_count(&app, "ana@example.com"), 1);
    assert_eq!(eml_count(&app, "ben@example.com"), 1);
    assert_eq!(eml_count(&app, "dee@example.com"), 0);

    // The event delivered again: processed (a positive signal), nothing new.
    deliver_started_again(&app, &id).await;
    let after = notices(&app, &id).await;
    assert_eq!(after["progress"], seen["progress"], "no new notices");
    assert_eq!(eml_count(&app, "ana@example.com"), 1, "no second email");
    assert_eq!(eml_count(&app, "ben@example.com"), 1, "no second email");

    // A customer sees its own notice, not another's.
    let mine = app.as_customer(&c1).data(MY_NOTICES, json!({})).await;
    let mine = mine["edges"].as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["node"]["customerId"], c1.as_str());
    assert_eq!(mine[0]["node"]["recall"]["batchCodes"], json!(["LOT-A"]));
    assert_eq!(mine[0]["node"]["recall"]["product"]["sku"], "HEAT-R1");
    let other = app.as_customer(&c4).data(MY_NOTICES, json!({})).await;
    assert_eq!(other["edges"], json!([]), "another's notice is invisible");

    // Answers move NOTIFIED → RESPONDED → REMEDIED; nothing else.
    let n1 = emailed(&by_customer(&c1));
    for (status, expect) in [("RESPONDED", "RESPONDED"), ("REMEDIED", "REMEDIED")] {
        let moved = compliance
            .accepted(
                RESPOND,
                json!({ "input": { "noticeId": n1, "status": status, "note": "refund sent" } }),
            )
            .await;
        assert_eq!(moved["notice"]["status"], expect);
    }
    let n3 = emailed(&by_customer(&c3));
    let illegal = compliance
        .data(
            RESPOND,
            json!({ "input": { "noticeId": n3, "status": "RESPONDED" } }),
        )
        .await;
    assert_eq!(
        illegal["userErrors"][0]["code"], "ILLEGAL_TRANSITION",
        "{illegal}"
    );

    // The reminder (Tuesday 09:00) to COMPLIANCE, once.
    app.clock
        .set(tests::test_epoch() + Days::hours(23) + Days::minutes(1));
    let reminder = entity::NotificationKind::RecallAcccReminder;
    wait_for("the ACCC reminder", PATIENCE, async || {
        let rows = app.notifications_of(reminder, &id).await;
        assert!(rows.len() <= 1, "{rows:?}");
        rows.iter().any(|n| {
            n.status == entity::NotificationStatus::Sent && n.recipient == "safety@example.com.au"
        })
    })
    .await;
    // Overdue (midnight after Wednesday) to ADMIN, once.
    app.clock
        .set(tests::test_epoch() + Days::hours(62) + Days::minutes(1));
    let overdue = entity::NotificationKind::RecallAcccOverdue;
    wait_for("the ACCC escalation", PATIENCE, async || {
        let rows = app.notifications_of(overdue, &id).await;
        rows.iter().any(|n| {
            n.status == entity::NotificationStatus::Sent && n.recipient == "boss@example.com.au"
        })
    })
    .await;
    let admins: Vec<_> = app
        .notifications_of(overdue, &id)
        .await
        .into_iter()
        .filter(|n| n.recipient == "boss@example.com.au")
        .collect();
    assert_eq!(admins.len(), 1);
    assert_eq!(app.notifications_of(reminder, &id).await.len(), 1);

    // Submitted: recorded with its reference; nothing is left planned.
    let now = notices(&app, &id).await;
    let submitted = compliance
        .accepted(SUBMIT, json!({ "input": { "recallId": id, "reference": "PSA-2026-1187", "expectedVersion": now["version"] } }))
        .await;
    assert_eq!(submitted["recall"]["acccReference"], "PSA-2026-1187");
    let twice = compliance
        .data(SUBMIT, json!({ "input": { "recallId": id, "reference": "X", "expectedVersion": submitted["recall"]["version"] } }))
        .await;
    assert_eq!(
        twice["userErrors"][0]["code"], "ILLEGAL_TRANSITION",
        "{twice}"
    );

    // B can be recalled on its own; A not again.
    let again = compliance.data(START, recall_input(&heater, &[a])).await;
    assert_eq!(again["userErrors"][0]["code"], "BATCH_RECALLED", "{again}");
    let _ = b;
}

#[tokio::test]
async fn guest_buyers_are_noticed_once_per_address_alongside_the_customers() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-G1").await;
    let admin = app.admin();
    let ana = admin
        .new_customer(json!({ "name": "Ana Member", "email": "ana@example.com" }))
        .await;
    let ben = admin
        .new_customer(json!({ "name": "Ben Member", "email": "ben@example.com" }))
        .await;
    let batch = stock_batch(&app, &heater, &location, "LOT-G", 10).await;
    sold(&app, &ana, &heater, &location, 1).await;
    sold(&app, &ben, &heater, &location, 2).await;
    // One guest, two orders, the address spelt two ways.
    let gus = ("Gus Guest & <Co>", "Gus@example.com");
    sold_to_guest(&app, gus, &heater, &location, 1).await;
    sold_to_guest(&app, ("Gus G.", "gus@example.com"), &heater, &location, 2).await;
    // A guest order at Ana's address (another spelling) is Ana's notice.
    sold_to_guest(&app, ("Ana", "ANA@example.com"), &heater, &location, 3).await;

    let started = app
        .as_role(Role::Compliance)
        .accepted(START, recall_input(&heater, &[batch]))
        .await;
    let id = started["recall"]["id"].as_str().unwrap().to_owned();
    let mut seen = Value::Null;
    wait_for("the three notices emailed", PATIENCE, async || {
        seen = notices(&app, &id).await;
        seen["progress"]["notified"] == 3
    })
    .await;
    assert_eq!(
        seen["progress"],
        json!({ "affectedCustomers": 3, "pending": 0, "notified": 3, "responded": 0, "remedied": 0, "unreachable": 0 }),
        "{seen}"
    );
    let mut got: Vec<(Value, Value, Value)> = seen["notices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["email"].clone(),
                n["customerId"].clone(),
                n["units"].clone(),
            )
        })
        .collect();
    got.sort_by_key(|(email, _, _)| email.to_string());
    assert_eq!(
        got,
        [
            (json!("ana@example.com"), json!(ana), json!(4)),
            (json!("ben@example.com"), json!(ben), json!(2)),
            (json!("gus@example.com"), Value::Null, json!(3)),
        ]
    );
    let all = ["ana@example.com", "ben@example.com", "gus@example.com"];
    wait_for("the three emails written", PATIENCE, async || {
        recall_emails(&app).len() >= 3
    })
    .await;
    assert_eq!(recall_emails(&app), all);
    // The guest is greeted by the name on its latest order.
    let guest_notice = entity::recall_notice::Entity::find()
        .filter(entity::recall_notice::Column::Email.eq("gus@example.com"))
        .one(app.db())
        .await
        .unwrap()
        .expect("the guest's notice");
    let rows = app
        .notifications_of(
            entity::NotificationKind::RecallNotice,
            &guest_notice.id.to_string(),
        )
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let mail = String::from_utf8(app.email_with_id(&rows[0].message_id)).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.as_bytes())
        .unwrap();
    let text = parsed.body_text(0).unwrap_or_default().into_owned();
    assert!(text.contains("Dear Gus G.,"), "{text}");
    assert!(text.contains("3 units"), "{text}");

    // The event delivered again: nothing inserted, nobody emailed twice.
    deliver_started_again(&app, &id).await;
    let after = notices(&app, &id).await;
    assert_eq!(after["progress"], seen["progress"], "no new notices");
    assert_eq!(recall_emails(&app), all, "no second email");
    assert_eq!(app.count(entity::recall_notice::Entity).await, 3);
    // Customers see their own notice only: the guest's is nobody's.
    let mine = app.as_customer(&ben).data(MY_NOTICES, json!({})).await;
    assert_eq!(mine["edges"].as_array().unwrap().len(), 1, "{mine}");
}

#[tokio::test]
async fn a_reservation_left_on_a_recalled_batch_is_blocked_on_the_pick_list() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-P1").await;
    let kettle = batch_product(&app, "KETTLE-P1").await;
    let batch = stock_batch(&app, &heater, &location, "LOT-P", 2).await;
    stock_batch(&app, &kettle, &location, "LOT-K", 2).await;
    let customer = app.customer_named("Pia Picker", "pia@example.com").await;
    // Reserved and paid from the only stock there is: LOT-P.
    let order = place(&app, &customer, &[(&heater, 1), (&kettle, 1)], None).await;
    pay(&app, &order).await;
    let pick_list = async || {
        let list = app
            .as_role(Role::Fulfilment)
            .data(
                op("pickList", "query($location: ID!) { pickList(locationId: $location) { edges { node { order { id } items { sku batchCode quantity blockedBy { code recallId recallNumber message } } } } } }"),
                json!({ "location": location }),
            )
            .await;
        let edges = list["edges"].as_array().unwrap().clone();
        assert_eq!(edges.len(), 1, "{list}");
        assert_eq!(edges[0]["node"]["order"]["id"], order.as_str());
        edges[0]["node"]["items"].clone()
    };
    let before = pick_list().await;
    assert_eq!(before[0]["batchCode"], "LOT-P", "{before}");
    assert_eq!(before[0]["blockedBy"], Value::Null, "{before}");

    let started = app
        .as_role(Role::Compliance)
        .accepted(START, recall_input(&heater, &[batch]))
        .await;
    let (recall_id, number) = (
        started["recall"]["id"].as_str().unwrap(),
        started["recall"]["number"].as_str().unwrap(),
    );
    // No other stock to move to: the line stays, blocked by the recall;
    // the other line is still to be picked.
    let after = pick_list().await;
    assert_eq!(
        after,
        json!([
            { "sku": "HEAT-P1", "batchCode": "LOT-P", "quantity": 1, "blockedBy": {
                "code": "BATCH_RECALLED", "recallId": recall_id, "recallNumber": number,
                "message": format!("batch LOT-P of HEAT-P1 is recalled ({number}) and cannot be packed") } },
            { "sku": "KETTLE-P1", "batchCode": "LOT-K", "quantity": 1, "blockedBy": null },
        ]),
        "{after}"
    );
    // Packing it is refused with the same code.
    let line = line_ids(&app, &order).await.remove(0);
    let refused = app
        .as_role(Role::Fulfilment)
        .data(
            PACK,
            json!({ "input": { "orderId": order, "locationId": location,
            "items": [{ "orderLineId": line, "quantity": 1 }], "weightGrams": 500 } }),
        )
        .await;
    assert_eq!(
        refused["userErrors"][0]["code"], "BATCH_RECALLED",
        "{refused}"
    );
}

#[tokio::test]
async fn submitting_in_time_cancels_the_reminder_and_the_escalation() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    tests::engagements::staff(&app, "safety@example.com.au", "COMPLIANCE").await;
    tests::engagements::staff(&app, "boss@example.com.au", "ADMIN").await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-R2").await;
    let a = stock_batch(&app, &heater, &location, "LOT-C", 3).await;
    let compliance = app.as_role(Role::Compliance);
    let started = compliance
        .accepted(START, recall_input(&heater, &[a]))
        .await;
    let id = started["recall"]["id"].as_str().unwrap().to_owned();
    compliance
        .accepted(SUBMIT, json!({ "input": { "recallId": id, "reference": "PSA-1", "expectedVersion": started["recall"]["version"] } }))
        .await;
    let planned = entity::timer::Entity::find()
        .filter(entity::timer::Column::SubjectId.eq(Uuid::parse_str(&id).unwrap()))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(planned.len(), 2, "{planned:?}");
    assert!(
        planned
            .iter()
            .all(|t| t.status == entity::TimerStatus::Cancelled),
        "{planned:?}"
    );
}

#[tokio::test]
async fn bad_recalls_are_refused_with_codes() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-R3").await;
    let other = batch_product(&app, "HEAT-R4").await;
    let mine = stock_batch(&app, &heater, &location, "LOT-D", 1).await;
    let theirs = stock_batch(&app, &other, &location, "LOT-E", 1).await;
    let compliance = app.as_role(Role::Compliance);
    let codes = |v: &Value| -> Vec<(String, String)> {
        v["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"]
                        .as_array()
                        .unwrap()
                        .last()
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let unknown = compliance
        .data(START, recall_input(&heater, &[Uuid::now_v7()]))
        .await;
    assert_eq!(
        codes(&unknown),
        [("batchIds".into(), "NOT_FOUND".into())],
        "{unknown}"
    );
    let foreign = compliance
        .data(START, recall_input(&heater, &[theirs]))
        .await;
    assert_eq!(
        codes(&foreign),
        [("batchIds".into(), "INVALID_STATE".into())],
        "{foreign}"
    );
    let twice = compliance
        .data(START, recall_input(&heater, &[mine, mine]))
        .await;
    assert_eq!(
        codes(&twice),
        [("batchIds".into(), "CONFLICT".into())],
        "{twice}"
    );
    let mut backwards = recall_input(&heater, &[mine]);
    backwards["input"]["soldFrom"] = json!("2026-11-20");
    backwards["input"]["soldTo"] = json!("2026-11-10");
    let backwards = compliance.data(START, backwards).await;
    assert_eq!(
        codes(&backwards),
        [("soldFrom".into(), "OUT_OF_RANGE".into())],
        "{backwards}"
    );
    let mut blank = recall_input(&heater, &[mine]);
    blank["input"]["hazard"] = json!("  ");
    let blank = compliance.data(START, blank).await;
    assert_eq!(
        codes(&blank),
        [("hazard".into(), "REQUIRED".into())],
        "{blank}"
    );
    // Staff outside COMPLIANCE and ADMIN may not start one.
    let body = app
        .as_role(Role::Fulfilment)
        .run(START, recall_input(&heater, &[mine]))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    assert_eq!(app.count(entity::recall::Entity).await, 0);
}

/// One email of a recall `kind` as sent from real rows (for the email
/// test's link check): the first call starts a recall of a batch one
/// customer bought (`state` keeps it); reminder and overdue move the clock
/// to their timers.
pub(crate) async fn recall_email(
    app: &TestApp,
    state: &mut Option<Uuid>,
    kind: entity::NotificationKind,
) -> Vec<u8> {
    use entity::NotificationKind as K;
    if state.is_none() {
        tests::engagements::staff(app, "recall-safety@example.com", "COMPLIANCE").await;
        tests::engagements::staff(app, "recall-boss@example.com", "ADMIN").await;
        let location = warehouse(app).await;
        let heater = batch_product(app, "HEAT-LINKS").await;
        let batch = stock_batch(app, &heater, &location, "LOT-L", 1).await;
        let customer = app
            .admin()
            .new_customer(
                json!({ "name": "Recall & <Links>", "email": "recall-links@example.com" }),
            )
            .await;
        sold(app, &customer, &heater, &location, 1).await;
        let started = app
            .as_role(Role::Compliance)
            .accepted(START, recall_input(&heater, &[batch]))
            .await;
        *state = Some(Uuid::parse_str(started["recall"]["id"].as_str().unwrap()).unwrap());
    }
    let recall = state.unwrap();
    let (subject, to) = match kind {
        K::RecallNotice => {
            let mut notice = None;
            wait_for("the recall notice", PATIENCE, async || {
                notice = entity::recall_notice::Entity::find()
                    .filter(entity::recall_notice::Column::RecallId.eq(recall))
                    .one(app.db())
                    .await
                    .unwrap();
                notice.is_some()
            })
            .await;
            (notice.unwrap().id, "recall-links@example.com")
        }
        _ => {
            let (timer_kind, to) = if kind == K::RecallAcccReminder {
                (
                    domain::safety::recalls::timer_kind::ACCC_REMINDER,
                    "recall-safety@example.com",
                )
            } else {
                (
                    domain::safety::recalls::timer_kind::ACCC_OVERDUE,
                    "recall-boss@example.com",
                )
            };
            let timer = entity::timer::Entity::find()
                .filter(entity::timer::Column::Kind.eq(timer_kind))
                .filter(entity::timer::Column::SubjectId.eq(recall))
                .one(app.db())
                .await
                .unwrap()
                .expect("the recall's timer");
            if app.clock.now_utc() < timer.due_at {
                app.clock.set(timer.due_at + Days::minutes(1));
            }
            (recall, to)
        }
    };
    let mut sent = None;
    wait_for(&format!("the {kind:?} email"), PATIENCE, async || {
        sent = app
            .notifications_of(kind, &subject.to_string())
            .await
            .into_iter()
            .find(|n| n.recipient == to && n.status == entity::NotificationStatus::Sent);
        sent.is_some()
    })
    .await;
    app.email_with_id(&sent.unwrap().message_id)
}

/// The ACCC due date counts a holiday another API instance declared a
/// moment ago (this one has not reloaded its calendar): a recall started
/// on Monday is due Thursday when Wednesday, its last day, became a holiday.
#[tokio::test]
async fn a_recall_due_date_counts_a_holiday_another_instance_just_declared() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-H1").await;
    let batch = stock_batch(&app, &heater, &location, "LOT-H", 2).await;
    entity::public_holiday::ActiveModel {
        id: Set(Uuid::now_v7()),
        holiday_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()),
        name: Set("Declared elsewhere".into()),
        created_at: Set(app.clock.now_utc()),
    }
    .insert(app.db())
    .await
    .unwrap();
    let started = app
        .as_role(Role::Compliance)
        .accepted(START, recall_input(&heater, &[batch]))
        .await;
    assert_eq!(started["recall"]["startedOn"], "2026-11-23");
    assert_eq!(started["recall"]["acccDueOn"], "2026-11-26");
}
