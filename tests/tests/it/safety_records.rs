//! Product safety records, batches and traceability through GraphQL: a
//! safety record refused whole then kept with versions, the listing warning
//! a customer sees, an interim ban that stops orders until it ends, batches
//! recorded at receipt, a recalled batch neither reserved nor packed, and a
//! batch traced forward and an order back, page by page.

use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use std::sync::Arc;
use tests::fulfil::{PACK, capture, line_ids};
use tests::purchasing::{RECEIVE, passed, sent_by_hand, sourced_product};
use tests::shop::{op, place, product, reserve, warehouse};
use tests::{Op, Role, TestApp, user_errors};

tests::op_const!(RECORD = "recordProductSafety": "mutation($input: RecordProductSafetyInput!) { recordProductSafety(input: $input) { productSafety { id version supplierName supplierAbn countryOfManufacture ban banReason banEndsOn bannedNow listingWarning mandatoryStandards { standard evidence warning } } userErrors { field code message } } }");
tests::op_const!(PRODUCT = "product": "query($id: ID!) { product(id: $id) { sku listingWarning } }");
tests::op_const!(BATCHES = "productBatches": "query($id: ID!) { productBatches(productId: $id) { edges { node { id batchCode status recallNumber firstReceivedOn supplier { id } } } } }");
tests::op_const!(BATCH_TRACE = "batchTrace": "query($id: ID!, $after: String) { batchTrace(batchId: $id, first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { node { status orderId orderNumber customerId customerName shipmentId quantity } } } }");
tests::op_const!(ORDER_TRACE = "orderTrace": "query($id: ID!, $after: String) { orderTrace(orderId: $id, first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { node { lineNo batchCode quantity batch { id batchCode } receipts { receiptId receivedOn purchaseOrderNumber supplierId supplierName supplierAbn } } } } }");
tests::op_const!(ALLOCATIONS = "order": "query($id: ID!) { order(id: $id) { status allocations { batchCode quantity } } }");
tests::op_const!(PLACE = "placeOrder": "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { field code message } } }");

fn codes(payload: &Value) -> Vec<(String, String)> {
    user_errors(payload)
        .into_iter()
        .map(|(field, code)| (field[1..].join("."), code))
        .collect()
}

fn message(payload: &Value) -> String {
    payload["userErrors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_safety_record_is_refused_whole_then_kept_with_versions_and_warns_listings() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let id = product(&app, &location, "CHARGER-1", "30.00", "TAXABLE", true).await;
    let compliance = app.as_role(Role::Compliance);

    let refused = compliance
        .data(RECORD, json!({ "input": { "productId": id, "supplierName": " ", "supplierAbn": "12 345 678 901",
            "mandatoryStandards": [{ "standard": "Button batteries", "evidence": " " }],
            "ban": "INTERIM" } }))
        .await;
    assert_eq!(
        codes(&refused),
        [
            ("supplierName".to_owned(), "REQUIRED".to_owned()),
            ("supplierAbn".to_owned(), "INVALID_ABN".to_owned()),
            (
                "mandatoryStandards.0.evidence".to_owned(),
                "REQUIRED".to_owned()
            ),
            ("banReason".to_owned(), "REQUIRED".to_owned()),
            ("banEndsOn".to_owned(), "REQUIRED".to_owned()),
        ],
        "{refused}"
    );

    let standards = json!([
        { "standard": "Button/coin batteries (2020)", "evidence": "Test report TR-118", "warning": "Contains a button battery: keep away from children." },
        { "standard": "Electrical equipment (RCM)", "evidence": "RCM certificate 4471" }
    ]);
    let input = json!({ "productId": id, "supplierName": "Volt Imports Pty Ltd", "supplierAbn": "51 824 753 556",
        "countryOfManufacture": "China", "mandatoryStandards": standards, "ban": "NOT_BANNED" });
    let recorded = compliance.accepted(RECORD, json!({ "input": input })).await;
    let record = &recorded["productSafety"];
    assert_eq!(record["version"], 1);
    assert_eq!(record["supplierAbn"], "51824753556");
    assert_eq!(record["bannedNow"], false);
    assert_eq!(record["mandatoryStandards"][1]["warning"], Value::Null);

    // A second first record, and a stale version, are CONFLICT.
    let again = compliance.data(RECORD, json!({ "input": input })).await;
    assert_eq!(
        codes(&again),
        [("expectedVersion".to_owned(), "CONFLICT".to_owned())]
    );
    let mut changed = input.clone();
    changed["expectedVersion"] = json!(1);
    changed["countryOfManufacture"] = json!("Vietnam");
    let second = compliance.data(RECORD, json!({ "input": changed })).await;
    assert_eq!(second["productSafety"]["version"], 2, "{second}");
    assert_eq!(second["productSafety"]["countryOfManufacture"], "Vietnam");
    let stale = compliance.data(RECORD, json!({ "input": changed })).await;
    assert_eq!(
        codes(&stale),
        [("expectedVersion".to_owned(), "CONFLICT".to_owned())]
    );

    // A customer sees what the listing must show, not the record itself;
    // FULFILMENT may not keep safety records.
    let customer = app.customer_named("Ava Chen", "ava@example.com.au").await;
    let token = app.token_for(Role::Customer, Some(customer.parse().unwrap()));
    let seen = app
        .with_token(&token)
        .data(PRODUCT, json!({ "id": id }))
        .await;
    assert_eq!(
        seen["listingWarning"],
        "Contains a button battery: keep away from children."
    );
    let hidden = app
        .gql_as(
            Some(&token),
            "query($id: ID!) { product(id: $id) { safety { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let forbidden = app
        .gql_as(
            Some(&app.token_for(Role::Fulfilment, None)),
            RECORD.document,
            json!({ "input": input }),
        )
        .await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn an_interim_ban_stops_orders_until_its_end_date() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let id = product(&app, &location, "CRIB-1", "120.00", "TAXABLE", true).await;
    let banned = app
        .as_role(Role::Compliance)
        .accepted(
            RECORD,
            json!({ "input": { "productId": id, "supplierName": "Cots R Us", "ban": "INTERIM",
            "banReason": "entrapment hazard under investigation", "banEndsOn": "2026-11-30" } }),
        )
        .await;
    assert_eq!(banned["productSafety"]["bannedNow"], true);
    let customer = app.customer_named("Ben Ho", "ben@example.com.au").await;
    let order = json!({ "input": { "customerId": customer, "lines": [{ "productId": id, "quantity": 1 }],
        "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
        "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } });
    let refused = app
        .as_role(Role::Fulfilment)
        .data(PLACE, order.clone())
        .await;
    assert_eq!(
        codes(&refused),
        [("lines.0.productId".to_owned(), "PRODUCT_BANNED".to_owned())]
    );
    assert_eq!(
        message(&refused),
        "CRIB-1 is under an interim ban until 2026-11-30: entrapment hazard under investigation"
    );

    // The day after its last day (Sydney) the ban is over.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 14, 0, 0).unwrap());
    app.as_role(Role::Fulfilment).accepted(PLACE, order).await;
}

#[tokio::test]
async fn a_ban_recorded_after_an_order_refuses_its_reservation() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let id = product(&app, &location, "CRIB-2", "120.00", "TAXABLE", true).await;
    let customer = app.customer_named("Cy Ng", "cy@example.com.au").await;
    let order = place(&app, &customer, &[(&id, 1)], None).await;
    app.as_role(Role::Compliance)
        .accepted(
            RECORD,
            json!({ "input": { "productId": id, "supplierName": "Cots R Us", "ban": "PERMANENT",
            "banReason": "entrapment hazard" } }),
        )
        .await;
    const REQUEST: Op = Op {
        field: "requestReservation",
        document: "mutation($id: ID!) { requestReservation(input: { orderId: $id }) { approval { id } userErrors { field code message } } }",
    };
    let refused = app
        .as_role(Role::Fulfilment)
        .data(REQUEST, json!({ "id": order }))
        .await;
    assert_eq!(
        codes(&refused),
        [("orderId".to_owned(), "PRODUCT_BANNED".to_owned())],
        "{refused}"
    );
    assert_eq!(
        message(&refused),
        "line 1: CRIB-2 is under a permanent ban: entrapment hazard"
    );
    assert_eq!(refused["approval"], Value::Null);
    // Nothing was reserved and no approval asked for.
    let after = app.admin().data(ALLOCATIONS, json!({ "id": order })).await;
    assert_eq!(after["status"], "PLACED", "{after}");
    assert_eq!(after["allocations"], json!([]), "{after}");
    assert_eq!(app.count(entity::approval_request::Entity).await, 0);
}

/// Block `batch` for a recall numbered `number`, as starting a recall does.
async fn recall_batch(app: &TestApp, product: &str, batch: &str, number: &str) {
    let ctx = domain::Ctx {
        actor: domain::Actor {
            id: "compliance-1".into(),
            role: Role::Compliance,
            party: None,
        },
        clock: Arc::new(app.clock.clone()),
    };
    let mut w =
        domain::kernel::Write::begin(app.db(), &ctx, domain::kernel::Permission::ManageSafety)
            .await
            .unwrap();
    let now = app.clock.now_utc();
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let recall = entity::recall::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        number: Set(number.into()),
        product_id: Set(product.parse().unwrap()),
        batch_ids: Set(format!("[\"{batch}\"]")),
        defect: Set("cracked casing".into()),
        hazard: Set("electric shock".into()),
        sold_where: Set("online".into()),
        sold_from: Set(day),
        sold_to: Set(day),
        customer_action: Set("stop using it".into()),
        remedy: Set("refund".into()),
        status: Set(entity::RecallStatus::Active),
        started_on: Set(day),
        accc_due_on: Set(day),
        accc_submitted_at: Set(None),
        accc_reference: Set(None),
        started_by: Set("compliance-1".into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(w.conn())
    .await
    .unwrap();
    domain::safety::batches::block(&mut w, recall.id, &[batch.parse().unwrap()])
        .await
        .unwrap();
    w.commit(()).await.unwrap();
}

/// Every page of a trace (first: 1), as a frontend exporting it walks them.
async fn all_pages(app: &TestApp, trace: Op, id: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .as_role(Role::Compliance)
            .data(trace, json!({ "id": id, "after": after }))
            .await;
        let edges = page["edges"].as_array().unwrap();
        assert!(edges.len() <= 1, "{page}");
        rows.extend(edges.iter().map(|e| e["node"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            return rows;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn batches_are_recorded_at_receipt_traced_both_ways_and_a_recalled_one_is_neither_reserved_nor_packed()
 {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let location = warehouse(&app).await;
    let (product, supplier) = sourced_product(
        &app,
        "KETTLE-1",
        "4.00",
        json!({ "batchTracked": true, "price": "5.00" }),
    )
    .await;
    let po = sent_by_hand(&app, &supplier, &product, 20).await;
    let receiver = app.as_role(Role::Fulfilment);
    let mut receipts = Vec::new();
    for (on, quantity, batch, expires) in [
        ("2026-11-24", 12, "lot-a", "2027-06-30"),
        ("2026-11-25", 8, "lot-b", "2028-01-31"),
    ] {
        let received = receiver
            .accepted(RECEIVE, json!({ "input": { "purchaseOrderId": po["id"], "receivedOn": on, "locationId": location,
                "lines": [{ "purchaseOrderLineId": po["lines"][0]["id"], "quantity": quantity, "batchCode": batch, "expiresOn": expires }],
                "checklist": passed() } }))
            .await;
        receipts.push(received["goodsReceipt"]["id"].as_str().unwrap().to_owned());
    }
    let batches = app
        .as_role(Role::Compliance)
        .data(BATCHES, json!({ "id": product }))
        .await;
    let batches: Vec<Value> = batches["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_eq!(batches[0]["batchCode"], "LOT-A");
    assert_eq!(batches[0]["firstReceivedOn"], "2026-11-24");
    assert_eq!(batches[0]["supplier"]["id"], supplier.as_str());
    assert_eq!(batches[1]["batchCode"], "LOT-B");
    assert_eq!(batches[1]["firstReceivedOn"], "2026-11-25");
    let (lot_a, lot_b) = (
        batches[0]["id"].as_str().unwrap().to_owned(),
        batches[1]["id"].as_str().unwrap().to_owned(),
    );

    // Two customers: Ann buys twice, Bo once, all from LOT-A (it expires
    // first); Ann's big order takes LOT-A's last ten and two of LOT-B.
    let admin = app.admin();
    let ann = admin
        .new_customer(json!({ "name": "Ann Park", "email": "ann@example.com.au" }))
        .await;
    let bo = admin
        .new_customer(json!({ "name": "Bo Diaz", "email": "bo@example.com.au" }))
        .await;
    let small_ann = place(&app, &ann, &[(&product, 1)], None).await;
    reserve(&app, &small_ann).await;
    capture(&app, &small_ann).await;
    let small_bo = place(&app, &bo, &[(&product, 1)], None).await;
    reserve(&app, &small_bo).await;
    let big_ann = place(&app, &ann, &[(&product, 12)], None).await;
    reserve(&app, &big_ann).await;
    capture(&app, &big_ann).await;
    let lines = line_ids(&app, &big_ann).await;
    app.as_role(Role::Fulfilment)
        .accepted(
            PACK,
            json!({ "input": { "orderId": big_ann, "locationId": location, "weightGrams": 6000,
            "items": [{ "orderLineId": lines[0], "quantity": 12 }] } }),
        )
        .await;

    // More of LOT-A turns up in a count; then LOT-A is recalled.
    let lot = json!({ "batchCode": "LOT-A" });
    tests::shop::add_stock(&app, &product, &location, 5, lot).await;
    recall_batch(&app, &product, &lot_a, "RCL-000777").await;
    let batch = app
        .as_role(Role::Compliance)
        .data(
            op(
                "batch",
                "query($id: ID!) { batch(id: $id) { status recallNumber } }",
            ),
            json!({ "id": lot_a }),
        )
        .await;
    assert_eq!(
        batch,
        json!({ "status": "RECALLED", "recallNumber": "RCL-000777" })
    );

    // A new reservation passes over the recalled batch's five units.
    let late_bo = place(&app, &bo, &[(&product, 1)], None).await;
    reserve(&app, &late_bo).await;
    let reserved = app
        .admin()
        .data(ALLOCATIONS, json!({ "id": late_bo }))
        .await;
    assert_eq!(
        reserved["allocations"],
        json!([{ "batchCode": "LOT-B", "quantity": 1 }])
    );

    // Ann's small order was reserved from LOT-A before the recall: it
    // cannot be packed.
    let small_lines = line_ids(&app, &small_ann).await;
    let refused = app
        .as_role(Role::Fulfilment)
        .data(
            PACK,
            json!({ "input": { "orderId": small_ann, "locationId": location, "weightGrams": 500,
            "items": [{ "orderLineId": small_lines[0], "quantity": 1 }] } }),
        )
        .await;
    assert_eq!(
        codes(&refused),
        [(
            "items.0.orderLineId".to_owned(),
            "BATCH_RECALLED".to_owned()
        )]
    );
    assert_eq!(
        message(&refused),
        "batch LOT-A of KETTLE-1 is recalled (RCL-000777) and cannot be packed"
    );

    // Forward: LOT-A went to three orders of two customers.
    let forward = all_pages(&app, BATCH_TRACE, &lot_a).await;
    let seen: Vec<(&str, &str, i64)> = forward
        .iter()
        .map(|r| {
            (
                r["orderId"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (small_ann.as_str(), "RESERVED", 1),
            (small_bo.as_str(), "RESERVED", 1),
            (big_ann.as_str(), "PACKED", 10),
        ]
    );
    let customers: std::collections::BTreeSet<&str> = forward
        .iter()
        .map(|r| r["customerId"].as_str().unwrap())
        .collect();
    assert_eq!(customers.len(), 2);
    assert_eq!(forward[2]["customerName"], "Ann Park");
    assert!(forward[2]["shipmentId"].is_string());
    assert!(forward[0]["shipmentId"].is_null());

    // Back: Ann's big order came from both batches, each from its receipt
    // and the supplier.
    let back = all_pages(&app, ORDER_TRACE, &big_ann).await;
    assert_eq!(back.len(), 2, "{back:?}");
    for (row, (batch, quantity, receipt, on)) in back.iter().zip([
        (&lot_a, 10, &receipts[0], "2026-11-24"),
        (&lot_b, 2, &receipts[1], "2026-11-25"),
    ]) {
        assert_eq!(row["batch"]["id"], batch.as_str());
        assert_eq!(row["quantity"], quantity);
        assert_eq!(
            row["receipts"],
            json!([{ "receiptId": receipt, "receivedOn": on, "purchaseOrderNumber": po_number(&app, &po).await,
                "supplierId": supplier, "supplierName": "Supplier of KETTLE-1", "supplierAbn": "51824753556" }])
        );
    }
}

async fn po_number(app: &TestApp, po: &Value) -> String {
    app.admin()
        .data(
            op(
                "purchaseOrder",
                "query($id: ID!) { purchaseOrder(id: $id) { number } }",
            ),
            json!({ "id": po["id"] }),
        )
        .await["number"]
        .as_str()
        .unwrap()
        .to_owned()
}
