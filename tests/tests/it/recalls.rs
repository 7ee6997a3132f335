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
use tests::{Op, Role, TestApp, eml_files, user_errors, wait_for};
use uuid::Uuid;

const START: Op = Op {
    field: "startRecall",
    document: "mutation($input: StartRecallInput!) { startRecall(input: $input) { recall { id number version status startedOn acccDueOn batches { id batchCode } } userErrors { field code message } } }",
};

const RECALL: Op = Op {
    field: "recall",
    document: "query($id: ID!) { recall(id: $id) { number version acccSubmittedAt acccReference progress { affectedCustomers pending notified responded remedied unreachable } notices(first: 50) { edges { node { id customerId email status units } } } } }",
};

const MY_NOTICES: Op = Op {
    field: "recallNotices",
    document: "query { recallNotices(first: 20) { edges { node { id customerId status units recall { number batchCodes defect hazard customerAction remedy product { sku } } } } } }",
};

const SUBMIT: Op = Op {
    field: "recordRecallSubmission",
    document: "mutation($input: RecordRecallSubmissionInput!) { recordRecallSubmission(input: $input) { recall { acccSubmittedAt acccReference version } userErrors { field code message } } }",
};

const RESPOND: Op = Op {
    field: "recordRecallNoticeResponse",
    document: "mutation($input: RecordRecallNoticeResponseInput!) { recordRecallNoticeResponse(input: $input) { notice { status note } userErrors { field code message } } }",
};

/// A batch-tracked product; its id.
async fn batch_product(app: &TestApp, sku: &str) -> String {
    let created = app
        .as_role(Role::Fulfilment)
        .data(
            op("createProduct", "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }"),
            json!({ "input": { "sku": sku, "name": format!("Heater {sku}"), "taxCode": "TAXABLE",
                "price": "20.00", "pricesIncludeGst": true, "weightGrams": 500, "batchTracked": true } }),
        )
        .await;
    created["product"]["id"]
        .as_str()
        .expect("created")
        .to_owned()
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
    let adjusted = app
        .as_role(Role::Fulfilment)
        .data(
            op("adjustStock", "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { stockLevel { onHand } userErrors { field code } } }"),
            json!({ "input": { "productId": product, "locationId": location, "quantity": quantity, "reason": "count", "batchCode": batch } }),
        )
        .await;
    assert!(user_errors(&adjusted).is_empty(), "{adjusted}");
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
    pay(app, &order).await;
    let line = line_ids(app, &order).await.remove(0);
    let packed = app
        .as_role(Role::Fulfilment)
        .data(
            PACK,
            json!({ "input": { "orderId": order, "locationId": location,
            "items": [{ "orderLineId": line, "quantity": units }],
            "weightGrams": 1500, "lengthMm": 300, "widthMm": 200, "heightMm": 100 } }),
        )
        .await;
    assert!(user_errors(&packed).is_empty(), "{packed}");
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
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
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
    let started = compliance.data(START, recall_input(&heater, &[a])).await;
    assert!(user_errors(&started).is_empty(), "{started}");
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
        .data(
            PACK,
            json!({ "input": { "orderId": waiting, "locationId": location,
            "items": [{ "orderLineId": line, "quantity": 1 }],
            "weightGrams": 1500, "lengthMm": 300, "widthMm": 200, "heightMm": 100 } }),
        )
        .await;
    assert!(user_errors(&packed).is_empty(), "{packed}");
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
    let first = app
        .outbox_rows(&id)
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
            .data(
                RESPOND,
                json!({ "input": { "noticeId": n1, "status": status, "note": "refund sent" } }),
            )
            .await;
        assert!(user_errors(&moved).is_empty(), "{moved}");
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
        .data(SUBMIT, json!({ "input": { "recallId": id, "reference": "PSA-2026-1187", "expectedVersion": now["version"] } }))
        .await;
    assert!(user_errors(&submitted).is_empty(), "{submitted}");
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
async fn submitting_in_time_cancels_the_reminder_and_the_escalation() {
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
    tests::engagements::staff(&app, "safety@example.com.au", "COMPLIANCE").await;
    tests::engagements::staff(&app, "boss@example.com.au", "ADMIN").await;
    let location = warehouse(&app).await;
    let heater = batch_product(&app, "HEAT-R2").await;
    let a = stock_batch(&app, &heater, &location, "LOT-C", 3).await;
    let compliance = app.as_role(Role::Compliance);
    let started = compliance.data(START, recall_input(&heater, &[a])).await;
    assert!(user_errors(&started).is_empty(), "{started}");
    let id = started["recall"]["id"].as_str().unwrap().to_owned();
    let submitted = compliance
        .data(SUBMIT, json!({ "input": { "recallId": id, "reference": "PSA-1", "expectedVersion": started["recall"]["version"] } }))
        .await;
    assert!(user_errors(&submitted).is_empty(), "{submitted}");
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
            .data(START, recall_input(&heater, &[batch]))
            .await;
        assert!(user_errors(&started).is_empty(), "{started}");
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
