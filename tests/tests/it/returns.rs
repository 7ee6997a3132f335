//! Returns (RMA) end to end: asked for on delivered orders (change of mind
//! only within the business's policy; faults always), approved with the
//! instructions emailed, received into stock or quarantine, and ended by a
//! refund (after its REFUND approval, with its adjustment note) or a $0
//! replacement order; a fault is never refused; customers see only their
//! own; wrong items move the error KPIs.

use chrono::Duration as Days;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::fulfil::{PATIENCE, stocked};
use tests::purchasing::quarantine;
use tests::returns::*;
use tests::shop::{op, warehouse};
use tests::{
    Caller, Role, TestApp, input_error, input_path_error, kpi_rate, nodes, user_errors, wait_for,
};

/// Polls in transit twice a day, so deliveries take a few steps.
/// The app, its courier polls twelve hours apart in transit, with a worker
/// running (kept alive by the guard).
async fn app() -> (TestApp, Option<worker::RunningWorker>) {
    TestApp::spawn_with_worker(&[("TRACKING_POLL_MINUTES", "IN_TRANSIT=720")]).await
}

fn returned(payload: &Value) -> Value {
    assert!(user_errors(payload).is_empty(), "{payload}");
    payload["returnRequest"].clone()
}

/// `who` asks to return `lines` (order line, units) of `order` for
/// `reason`, wanting `resolution`: the return, which must be accepted.
async fn ask(
    who: &Caller<'_>,
    order: &str,
    lines: &[(&str, i32)],
    reason: &str,
    resolution: &str,
) -> Value {
    returned(
        &who.data(REQUEST, request_input(order, lines, reason, resolution))
            .await,
    )
}

fn codes(payload: &Value) -> Vec<(Vec<String>, String)> {
    assert!(payload["returnRequest"].is_null(), "{payload}");
    user_errors(payload)
}

async fn kpis(app: &TestApp) -> Value {
    app.admin()
        .data(
            op(
                "fulfilmentKpis",
                "query { fulfilmentKpis(from: \"2026-11-20\", to: \"2027-01-31\") { returnRateDueToErrors { rate numerator denominator } orderProcessingErrors { rate { rate numerator denominator } corrections qcFailures errorReturns ordersPlaced receipts } } }",
            ),
            json!({}),
        )
        .await
}

async fn on_hand(app: &TestApp, product: &str, location: &str) -> i64 {
    let seen = app
        .admin()
        .data(
            op(
                "product",
                "query($id: ID!) { product(id: $id) { stock { location { id } onHand } } }",
            ),
            json!({ "id": product }),
        )
        .await;
    seen["stock"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["location"]["id"] == location)
        .map(|l| l["onHand"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_wrong_item_return_moves_the_error_kpis_and_a_fault_or_cancelled_one_does_not() {
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let mug = stocked(&app, &location, "RET-MUG", json!({})).await;
    let (order, customer, lines) =
        delivered_order(&app, &location, &[(&mug, 3)], "kpi-returns@example.com").await;

    let before = kpis(&app).await;
    assert_eq!(before["returnRateDueToErrors"], kpi_rate(0.0, 0, 1));
    let errors = &before["orderProcessingErrors"];
    assert_eq!(errors["errorReturns"], 0);
    assert_eq!(errors["rate"]["numerator"], 0);
    assert_eq!(errors["rate"]["denominator"], 1, "one order placed");

    // The customer sends one unit back as the wrong item, one as faulty.
    let me = app.as_customer(&customer);
    let wrong = ask(&me, &order, &[(&lines[0], 1)], "WRONG_ITEM", "REFUND").await;
    assert_eq!(wrong["status"], "REQUESTED");
    assert_eq!(wrong["customerId"], customer);
    assert!(wrong["number"].as_str().unwrap().starts_with("RMA-"));
    ask(&me, &order, &[(&lines[0], 1)], "FAULTY", "REFUND").await;
    let after = kpis(&app).await;
    assert_eq!(after["returnRateDueToErrors"], kpi_rate(1.0, 1, 1));
    let errors = &after["orderProcessingErrors"];
    assert_eq!(errors["errorReturns"], 1);
    assert_eq!(errors["corrections"], 0);
    assert_eq!(errors["rate"], kpi_rate(1.0, 1, 1));

    // More units than are left is refused; a cancelled return frees its
    // units and leaves the KPIs.
    assert_eq!(
        codes(
            &me.data(
                REQUEST,
                request_input(&order, &[(&lines[0], 2)], "DAMAGED_IN_TRANSIT", "REFUND"),
            )
            .await
        ),
        [input_path_error("lines.0.quantity", "OUT_OF_RANGE")]
    );
    let cancelled = returned(
        &me.data(CANCEL, json!({ "input": { "id": wrong["id"] } }))
            .await,
    );
    assert_eq!(cancelled["status"], "CANCELLED");
    let damaged = ask(
        &me,
        &order,
        &[(&lines[0], 2)],
        "DAMAGED_IN_TRANSIT",
        "REFUND",
    )
    .await;
    assert_eq!(damaged["lines"][0]["quantity"], 2);
    let last = kpis(&app).await;
    assert_eq!(
        last["returnRateDueToErrors"]["numerator"], 1,
        "damaged in transit is ours too: {last}"
    );
    assert_eq!(last["orderProcessingErrors"]["errorReturns"], 0, "{last}");
}

#[tokio::test]
async fn change_of_mind_is_accepted_only_within_the_policy_and_faults_always() {
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let lamp = stocked(&app, &location, "RET-LAMP", json!({})).await;
    let (order, customer, lines) =
        delivered_order(&app, &location, &[(&lamp, 3)], "mind@example.com").await;
    let me = app.as_customer(&customer);
    let mind = request_input(&order, &[(&lines[0], 1)], "CHANGE_OF_MIND", "REFUND");

    // The default policy takes no change-of-mind returns.
    let refused = me.data(REQUEST, mind.clone()).await;
    assert_eq!(
        codes(&refused),
        [input_error("reason", "RETURN_NOT_ACCEPTED")]
    );

    app.admin()
        .change_business_settings(json!({ "changeOfMindReturnDays": 14 }))
        .await;
    let accepted = returned(&me.data(REQUEST, mind.clone()).await);
    assert_eq!(accepted["status"], "REQUESTED");
    assert_eq!(accepted["reason"], "CHANGE_OF_MIND");
    assert_eq!(accepted["resolution"], "REFUND");

    // Past the window: refused; a fault is still accepted.
    app.clock.advance(Days::days(15));
    let late = me.data(REQUEST, mind.clone()).await;
    assert_eq!(codes(&late), [input_error("reason", "RETURN_NOT_ACCEPTED")]);
    assert!(
        late["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("within 14 days"),
        "{late}"
    );
    let fault = ask(&me, &order, &[(&lines[0], 1)], "FAULTY", "REPLACEMENT").await;
    assert_eq!(fault["status"], "REQUESTED");
    assert_eq!(fault["resolution"], "REPLACEMENT");
}

#[tokio::test]
async fn a_refund_return_is_approved_received_into_stock_and_quarantine_and_refunded_with_its_note()
{
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let held = quarantine(&app).await;
    let chair = stocked(&app, &location, "RET-CHAIR", json!({ "price": "60.00" })).await;
    let desk = stocked(&app, &location, "RET-DESK", json!({ "price": "60.00" })).await;
    let (order, customer, lines) = delivered_order(
        &app,
        &location,
        &[(&chair, 1), (&desk, 1)],
        "refund-return@example.com",
    )
    .await;
    let order_total = app
        .admin()
        .data(
            op(
                "order",
                "query($id: ID!) { order(id: $id) { total { amount } } }",
            ),
            json!({ "id": order }),
        )
        .await["total"]["amount"]
        .clone();

    let asked = ask(
        &app.as_customer(&customer),
        &order,
        &[(&lines[0], 1), (&lines[1], 1)],
        "WRONG_ITEM",
        "REFUND",
    )
    .await;
    let id = asked["id"].as_str().unwrap().to_owned();
    let number = asked["number"].as_str().unwrap().to_owned();
    // Goods come back only once approved.
    let staff = app.as_role(Role::Fulfilment);
    let early = staff
        .data(RECEIVE, json!({ "input": { "id": id, "lines": [] } }))
        .await;
    assert_eq!(codes(&early), [input_error("id", "ILLEGAL_TRANSITION")]);

    // The instructions name the business's returns address (line breaks as
    // the ADMIN typed them, CR LF read as LF).
    let settings = app
        .admin()
        .change_business_settings(
            json!({ "returnsAddress": "Returns Dock\r\n12 Dock Rd\r\nBotany NSW 2019" }),
        )
        .await;
    let approved = returned(&staff.data(APPROVE, json!({ "input": { "id": id } })).await);
    assert_eq!(approved["status"], "APPROVED");
    let instructions = approved["instructions"].as_str().unwrap();
    assert!(instructions.contains(&number), "{instructions}");
    assert!(
        instructions.contains("1 × Product RET-CHAIR (RET-CHAIR)"),
        "{instructions}"
    );
    let send_to = format!(
        "send it to:\n\n{}\nReturns Dock\n12 Dock Rd\nBotany NSW 2019\n\n",
        settings["legalName"].as_str().unwrap()
    );
    assert!(instructions.contains(&send_to), "{instructions}");
    // The customer is emailed them.
    let raw = step_email(&app, &id, "return.approved").await;
    let email = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        email.subject().unwrap(),
        format!("Your return {number}: approved, here is how to send it back")
    );
    assert_eq!(
        email.to().unwrap().first().unwrap().address().unwrap(),
        "refund-return@example.com"
    );
    let text = email.body_text(0).unwrap();
    assert!(text.contains("Botany NSW 2019"), "{text}");
    assert!(text.contains("1 × Product RET-DESK (RET-DESK)"), "{text}");

    // Received: the chair back on the shelf, the desk into quarantine; a
    // warehouse is no quarantine.
    let chair_before = on_hand(&app, &chair, &location).await;
    let return_lines = approved["lines"].as_array().unwrap().clone();
    let line_of = |product: &str| {
        return_lines
            .iter()
            .find(|l| l["productId"] == product)
            .unwrap()["id"]
            .clone()
    };
    let wrong_place = staff
        .data(
            RECEIVE,
            json!({ "input": { "id": id, "lines": [
                { "returnLineId": line_of(&chair), "disposition": "RESTOCK", "locationId": location },
                { "returnLineId": line_of(&desk), "disposition": "QUARANTINE", "locationId": location },
            ] } }),
        )
        .await;
    assert_eq!(
        codes(&wrong_place),
        [input_path_error("lines.1.locationId", "INVALID_STATE")]
    );
    let received = returned(
        &staff
            .data(
                RECEIVE,
                json!({ "input": { "id": id, "lines": [
                    { "returnLineId": line_of(&chair), "disposition": "RESTOCK", "locationId": location, "note": "Unopened" },
                    { "returnLineId": line_of(&desk), "disposition": "QUARANTINE", "locationId": held, "note": "Scratched top" },
                ] } }),
            )
            .await,
    );
    assert!(received["receivedAt"].is_string());
    assert_eq!(on_hand(&app, &chair, &location).await, chair_before + 1);
    assert_eq!(on_hand(&app, &desk, &held).await, 1);
    let movements = entity::stock_movement::Entity::find()
        .filter(entity::stock_movement::Column::Kind.eq(entity::MovementKind::Return))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(movements.len(), 2, "{movements:?}");
    // The refund started at once and waits on its REFUND approval (over
    // $100: FINANCE decides).
    assert_eq!(received["status"], "REFUNDING", "{received}");
    let refund = received["refundId"]
        .as_str()
        .expect("a card refund")
        .to_owned();
    assert!(received["adjustmentNoteId"].is_null());
    let approval = received["approvalId"].clone();
    let money = op(
        "refund",
        "query($id: ID!) { refund(id: $id) { status amount { amount } adjustmentNote { id total { amount } } } }",
    );
    let pending = app.admin().data(money, json!({ "id": refund })).await;
    assert_eq!(pending["status"], "AWAITING_APPROVAL");
    // Every unit of a wrong-item order comes back: the delivery charge too.
    assert_eq!(pending["amount"]["amount"], order_total, "{pending}");

    app.approve("finance-2", Role::Finance, &approval).await;
    let mut done = Value::Null;
    wait_for("the return completed", PATIENCE, async || {
        done = app.admin().data(RETURN, json!({ "id": id })).await;
        done["status"] == "COMPLETED"
    })
    .await;
    let paid = app.admin().data(money, json!({ "id": refund })).await;
    assert_eq!(paid["status"], "SUCCEEDED");
    assert_eq!(
        done["adjustmentNoteId"], paid["adjustmentNote"]["id"],
        "{done}"
    );
    // The note takes the whole invoice back.
    assert_eq!(
        paid["adjustmentNote"]["total"]["amount"],
        format!("-{}", order_total.as_str().unwrap())
    );
    assert!(done["completedAt"].is_string());
    let steps = tests::strings(&done["steps"], "step");
    assert_eq!(
        steps,
        [
            "return.requested",
            "return.approved",
            "return.received",
            "return.refunding",
            "return.completed"
        ]
    );
    let raw = step_email(&app, &id, "return.completed").await;
    let email = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        email.subject().unwrap(),
        format!("Your return {number}: refunded, all done")
    );
    let audit = app.audit_actions(&id).await;
    for action in [
        "return.requested",
        "return.approved",
        "return.received",
        "return.completed",
    ] {
        assert!(audit.iter().any(|a| a == action), "{action}: {audit:?}");
    }
}

#[tokio::test]
async fn a_replacement_return_places_a_no_charge_order_for_the_returned_units() {
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let held = quarantine(&app).await;
    let kettle = stocked(&app, &location, "RET-KETTLE", json!({})).await;
    let (order, customer, lines) =
        delivered_order(&app, &location, &[(&kettle, 2)], "replace@example.com").await;
    let asked = ask(
        &app.as_customer(&customer),
        &order,
        &[(&lines[0], 1)],
        "FAULTY",
        "REPLACEMENT",
    )
    .await;
    let id = asked["id"].as_str().unwrap().to_owned();
    let staff = app.as_role(Role::Compliance);
    returned(
        &staff
            .data(
                APPROVE,
                json!({ "input": { "id": id, "instructions": "Drop it at our Sydney store." } }),
            )
            .await,
    );
    let line = asked["lines"][0]["id"].clone();
    let received = returned(
        &staff
            .data(
                RECEIVE,
                json!({ "input": { "id": id, "lines": [
                    { "returnLineId": line, "disposition": "QUARANTINE", "locationId": held, "note": "Will not heat" },
                ] } }),
            )
            .await,
    );
    assert_eq!(received["status"], "REPLACING");
    assert_eq!(received["lines"][0]["disposition"], "QUARANTINE");
    assert_eq!(received["lines"][0]["inspectionNote"], "Will not heat");
    let replacement = received["replacementOrderId"].clone();
    let placed = app
        .admin()
        .data(
            op("order", "query($id: ID!) { order(id: $id) { status total { amount } shippingCharge { amount } lines { quantity productId unitPrice { amount } } customer { id } } }"),
            json!({ "id": replacement }),
        )
        .await;
    assert_eq!(placed["total"]["amount"], "0.00", "{placed}");
    assert_eq!(placed["shippingCharge"]["amount"], "0.00");
    assert_eq!(placed["lines"].as_array().unwrap().len(), 1);
    assert_eq!(placed["lines"][0]["quantity"], 1);
    assert_eq!(placed["lines"][0]["productId"], kettle);
    assert_eq!(placed["customer"]["id"], customer);
    let raw = step_email(&app, &id, "return.replacing").await;
    let email = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(
        email
            .subject()
            .unwrap()
            .ends_with(": your replacement is on its way"),
        "{:?}",
        email.subject()
    );
    // A replacement under way is not called off.
    let late = app
        .as_customer(&customer)
        .data(CANCEL, json!({ "input": { "id": id } }))
        .await;
    assert_eq!(codes(&late), [input_error("id", "ILLEGAL_TRANSITION")]);

    // It runs the normal flow: reserved, paid at once ($0.00), shipped and
    // delivered; then the return is complete.
    let replacement = replacement.as_str().unwrap().to_owned();
    tests::shop::reserve(&app, &replacement).await;
    wait_for("the replacement paid", PATIENCE, async || {
        tests::fulfil::order_of(&app, &replacement).await["status"] == "PAID"
    })
    .await;
    let new_lines = tests::fulfil::line_ids(&app, &replacement).await;
    let (package, _) =
        tests::fulfil::ship(&app, &replacement, &location, &[(&new_lines[0], 1)], "A").await;
    walk_to_delivered(&app, &package).await;
    let done = app.admin().data(RETURN, json!({ "id": id })).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert!(done["completedAt"].is_string());
    let raw = step_email(&app, &id, "return.completed").await;
    let email = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(
        email.subject().unwrap().ends_with(": replaced, all done"),
        "{:?}",
        email.subject()
    );
}

#[tokio::test]
async fn a_fault_is_never_refused_and_customers_see_only_their_own_returns() {
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let vase = stocked(&app, &location, "RET-VASE", json!({})).await;
    let (order, ann, lines) =
        delivered_order(&app, &location, &[(&vase, 2)], "ann-returns@example.com").await;
    let (other_order, bob, other_lines) =
        delivered_order(&app, &location, &[(&vase, 1)], "bob-returns@example.com").await;
    app.admin()
        .change_business_settings(json!({ "changeOfMindReturnDays": 30 }))
        .await;

    let anns = app.as_customer(&ann);
    let fault = ask(&anns, &order, &[(&lines[0], 1)], "FAULTY", "REFUND").await;
    let staff = app.as_role(Role::Fulfilment);
    let refused = staff
        .data(
            REJECT,
            json!({ "input": { "id": fault["id"], "reason": "Looks fine to us" } }),
        )
        .await;
    assert_eq!(codes(&refused), [input_error("id", "INVALID_STATE")]);
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("a fault is remedied, not refused"),
        "{refused}"
    );
    // A change of mind may be refused, with the reason.
    let mind = ask(&anns, &order, &[(&lines[0], 1)], "CHANGE_OF_MIND", "REFUND").await;
    let no_reason = staff
        .data(
            REJECT,
            json!({ "input": { "id": mind["id"], "reason": " " } }),
        )
        .await;
    assert_eq!(codes(&no_reason), [input_error("reason", "REQUIRED")]);
    let rejected = returned(
        &staff
            .data(
                REJECT,
                json!({ "input": { "id": mind["id"], "reason": "Used, not resalable" } }),
            )
            .await,
    );
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["decisionReason"], "Used, not resalable");
    let raw = step_email(&app, mind["id"].as_str().unwrap(), "return.rejected").await;
    let text = mail_parser::MessageParser::default()
        .parse(&raw)
        .unwrap()
        .body_text(0)
        .unwrap()
        .into_owned();
    assert!(text.contains("Used, not resalable"), "{text}");
    assert!(text.contains("Australian Consumer Law"), "{text}");

    // Bob's own return, and what each customer sees.
    let bobs = app.as_customer(&bob);
    let his = ask(
        &bobs,
        &other_order,
        &[(&other_lines[0], 1)],
        "WRONG_ITEM",
        "REFUND",
    )
    .await;
    assert!(
        bobs.data(RETURN, json!({ "id": fault["id"] }))
            .await
            .is_null(),
        "another customer's return looks missing"
    );
    assert_eq!(
        bobs.data(RETURN, json!({ "id": his["id"] })).await["id"],
        his["id"]
    );
    let seen: Vec<Value> = nodes(&bobs.data(RETURNS, json!({})).await)
        .into_iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(seen, [his["id"].clone()]);
    let anns_seen = nodes(
        &anns
            .data(RETURNS, json!({ "filter": { "status": "REJECTED" } }))
            .await,
    );
    assert_eq!(anns_seen.len(), 1);
    assert_eq!(anns_seen[0]["id"], mind["id"]);
    let all = nodes(
        &staff
            .data(RETURNS, json!({ "filter": { "orderId": order } }))
            .await,
    );
    assert_eq!(all.len(), 2, "staff see every return of the order");
    // Bob can neither cancel Ann's return nor ask for one on her order.
    let cancel = bobs
        .data(CANCEL, json!({ "input": { "id": fault["id"] } }))
        .await;
    assert_eq!(codes(&cancel), [input_error("id", "NOT_FOUND")]);
    let on_hers = bobs
        .data(
            REQUEST,
            request_input(&order, &[(&lines[0], 1)], "FAULTY", "REFUND"),
        )
        .await;
    assert_eq!(codes(&on_hers), [input_error("orderId", "NOT_FOUND")]);
    // Customers do not decide returns.
    let body = bobs
        .run(APPROVE, json!({ "input": { "id": his["id"] } }))
        .await;
    assert_eq!(tests::error_code(&body).as_deref(), Some("FORBIDDEN"));
}

/// One step email of a return, as the email test's link check reads it
/// (the .eml bytes): a return asked for on an order the simulated courier
/// delivered on the app clock.
pub(crate) async fn return_email(app: &TestApp) -> Vec<u8> {
    let location = warehouse(app).await;
    let item = stocked(app, &location, "RET-LINKS", json!({})).await;
    let (order, customer, lines) =
        delivered_order(app, &location, &[(&item, 1)], "return-links@example.com").await;
    let asked = ask(
        &app.as_customer(&customer),
        &order,
        &[(&lines[0], 1)],
        "WRONG_ITEM",
        "REFUND",
    )
    .await;
    step_email(app, asked["id"].as_str().unwrap(), "return.requested").await
}

#[tokio::test]
async fn a_refused_refund_sends_the_return_back_to_received_and_it_is_resolved_again() {
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let sofa = stocked(&app, &location, "RET-SOFA", json!({ "price": "120.00" })).await;
    let (order, customer, lines) =
        delivered_order(&app, &location, &[(&sofa, 1)], "refused@example.com").await;
    let asked = ask(
        &app.as_customer(&customer),
        &order,
        &[(&lines[0], 1)],
        "DAMAGED_IN_TRANSIT",
        "REFUND",
    )
    .await;
    let id = asked["id"].as_str().unwrap().to_owned();
    let staff = app.as_role(Role::Fulfilment);
    returned(&staff.data(APPROVE, json!({ "input": { "id": id } })).await);
    let received = returned(
        &staff
            .data(
                RECEIVE,
                json!({ "input": { "id": id, "lines": [
                    { "returnLineId": asked["lines"][0]["id"], "disposition": "RESTOCK", "locationId": location },
                ] } }),
            )
            .await,
    );
    assert_eq!(received["status"], "REFUNDING");
    // Not resolved twice while under way.
    let twice = staff
        .data(
            RESOLVE,
            json!({ "input": { "id": id, "resolution": "REFUND" } }),
        )
        .await;
    assert_eq!(codes(&twice), [input_error("id", "ILLEGAL_TRANSITION")]);
    let decided = app
        .decide_approval(
            "finance-2",
            Role::Finance,
            &received["approvalId"],
            "REJECT",
            Some("call the customer first"),
        )
        .await;
    assert_eq!(decided["approval"]["status"], "REJECTED", "{decided}");
    let back = app.admin().data(RETURN, json!({ "id": id })).await;
    assert_eq!(back["status"], "RECEIVED", "{back}");
    let last = back["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["step"], "return.refund_failed");
    assert_eq!(last["note"], "refund approval rejected");

    // Staff resolve it again, as a replacement this time.
    let resolved = returned(
        &staff
            .data(
                RESOLVE,
                json!({ "input": { "id": id, "resolution": "REPLACEMENT" } }),
            )
            .await,
    );
    assert_eq!(resolved["status"], "REPLACING");
    assert_eq!(resolved["resolution"], "REPLACEMENT");
    assert!(resolved["replacementOrderId"].is_string(), "{resolved}");
}

tests::op_const!(LODGE_CLAIM = "lodgeClaim": "mutation($input: LodgeClaimInput!) { lodgeClaim(input: $input) { claim { id status } userErrors { field code message } } }");
tests::op_const!(WITHDRAW_CLAIM = "withdrawClaim": "mutation($input: WithdrawClaimInput!) { withdrawClaim(input: $input) { claim { id status } userErrors { field code message } } }");

/// A unit is paid back once: units in a live return or held by a claim are
/// neither returned nor claimed again until that return or claim ends.
#[tokio::test]
async fn a_unit_in_a_claim_or_a_return_is_not_claimed_or_returned_again() {
    let (app, _worker) = app().await;
    let location = warehouse(&app).await;
    let kettle = stocked(&app, &location, "RET-KETTLE", json!({ "price": "60.00" })).await;
    let (order, customer, lines) =
        delivered_order(&app, &location, &[(&kettle, 2)], "twice@example.com").await;
    let me = app.as_customer(&customer);
    let claim = |units: i32| {
        json!({ "input": { "orderLineId": lines[0], "guarantee": "ACCEPTABLE_QUALITY",
            "quantity": units, "facts": "It stopped heating" } })
    };
    let first = me.accepted(LODGE_CLAIM, claim(1)).await;

    // One kettle is claimed: one may come back, not two.
    assert_eq!(
        codes(
            &me.data(
                REQUEST,
                request_input(&order, &[(&lines[0], 2)], "FAULTY", "REFUND"),
            )
            .await
        ),
        [input_path_error("lines.0.quantity", "OUT_OF_RANGE")]
    );
    let back = ask(&me, &order, &[(&lines[0], 1)], "FAULTY", "REFUND").await;

    // Both are spoken for: neither is claimed again.
    let again = me.data(LODGE_CLAIM, claim(1)).await;
    assert!(again["claim"].is_null(), "{again}");
    assert_eq!(
        user_errors(&again),
        [input_error("quantity", "OUT_OF_RANGE")]
    );
    assert_eq!(
        again["userErrors"][0]["message"],
        "every unit of it is already returned or claimed"
    );

    // The return cancelled and the claim withdrawn free their units.
    returned(
        &me.data(CANCEL, json!({ "input": { "id": back["id"] } }))
            .await,
    );
    me.accepted(LODGE_CLAIM, claim(1)).await;
    let withdrawn = me
        .accepted(
            WITHDRAW_CLAIM,
            json!({ "input": { "claimId": first["claim"]["id"] } }),
        )
        .await;
    assert_eq!(withdrawn["claim"]["status"], "WITHDRAWN");
    ask(&me, &order, &[(&lines[0], 1)], "FAULTY", "REFUND").await;
}
