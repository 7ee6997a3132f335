//! Payments through GraphQL (order flow step 6): a capture gated by the
//! PAYMENT_PROCESSING approval that never charges twice — not on a retried
//! key, not after a provider timeout, not when two captures race — a decline
//! that leaves the order payable, and a bank transfer paid on remittance.

use domain::payments::provider::test_cards;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::Duration;
use tests::shop::{op, place, product, reserve, warehouse};
use tests::{Role, TestApp, input_error, user_errors, wait_for, wait_for_value};

const PATIENCE: Duration = Duration::from_secs(60);

tests::op_const!(CAPTURE = "capturePayment": "mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { id status amount { amount } cardLast4 failureReason approval { id status } } userErrors { field code message } } }");
tests::op_const!(PAYMENT = "payment": "query($id: ID!) { payment(id: $id) { id status failureReason providerReference order { status statusReason } } }");
tests::op_const!(ORDER = "order": "query($id: ID!) { order(id: $id) { status statusReason nextActions { action role } } }");

/// An invoiced order of `price` for a new customer: (customer, order).
async fn invoiced(app: &TestApp, sku: &str, price: &str) -> (String, String) {
    let location = warehouse(app).await;
    let item = product(app, &location, sku, price, "TAXABLE", true).await;
    let customer = app
        .customer_named("Alice Nguyen", &format!("{sku}@example.com.au"))
        .await;
    let order = place(app, &customer, &[(&item, 1)], None).await;
    reserve(app, &order).await;
    let status = app.admin().data(ORDER, json!({ "id": order })).await["status"].clone();
    assert_eq!(status, "INVOICED");
    (customer, order)
}

fn card(order: &str, number: &str) -> Value {
    json!({ "input": { "orderId": order, "method": "CARD", "cardNumber": number } })
}

/// Wait until the payment is `status`; the payment.
async fn settled(app: &TestApp, payment: &str, status: &str) -> Value {
    wait_for(
        &format!("the payment to be {status}"),
        PATIENCE,
        async || app.admin().data(PAYMENT, json!({ "id": payment })).await["status"] == status,
    )
    .await;
    app.admin().data(PAYMENT, json!({ "id": payment })).await
}

/// The payments of an order.
async fn payments_of(app: &TestApp, order: &str) -> Vec<Value> {
    let payments = app
        .admin()
        .data(
            op(
                "payments",
                "query($id: ID!) { payments(filter: { orderId: $id }) { edges { node { id } } } }",
            ),
            json!({ "id": order }),
        )
        .await;
    tests::nodes(&payments)
}

async fn charges(app: &TestApp, payment: &str) -> u64 {
    domain::payments::provider_charges(app.db(), uuid::Uuid::parse_str(payment).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_card_capture_retried_with_its_key_charges_once_and_emails_a_receipt() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (customer, order) = invoiced(&app, "LAMP", "49.00").await;
    // The customer pays its own order; under $200 the policy approves at once.
    let payer = app.as_customer(&customer).with_idempotency_key("pay-once");
    let first = payer
        .accepted(CAPTURE, card(&order, test_cards::SUCCESS))
        .await;
    let payment = first["payment"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first["payment"]["amount"]["amount"], "58.95");
    assert_eq!(first["payment"]["cardLast4"], "4242");
    assert_eq!(first["payment"]["approval"]["status"], "APPROVED");
    // The client retries (it never saw the answer): the same payment.
    let again = payer.data(CAPTURE, card(&order, test_cards::SUCCESS)).await;
    assert_eq!(again["payment"]["id"], payment.as_str());

    let paid = settled(&app, &payment, "SUCCEEDED").await;
    assert_eq!(paid["order"]["status"], "PAID");
    assert!(
        paid["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("ch_")
    );
    assert_eq!(charges(&app, &payment).await, 1);
    // The card number is kept for the provider only: no audit snapshot and
    // no stored answer holds it.
    let entries = app.audit_entries(&payment).await;
    assert!(entries.len() >= 2, "{entries:?}");
    let digits = test_cards::SUCCESS.replace(' ', "");
    for entry in &entries {
        let snapshots = format!("{:?} {:?}", entry.before, entry.after);
        assert!(
            !snapshots.contains(&digits),
            "{}: {snapshots}",
            entry.action
        );
    }
    let stored: Vec<String> = entity::idempotency_key::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|k| format!("{k:?}"))
        .collect();
    assert!(stored.iter().all(|k| !k.contains(&digits)), "{stored:?}");
    wait_for("the receipt", PATIENCE, async || {
        app.notifications_of(entity::NotificationKind::PaymentReceipt, &payment)
            .await
            .iter()
            .any(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    // A paid order cannot be paid again.
    let twice = app
        .as_customer(&customer)
        .data(CAPTURE, card(&order, test_cards::SUCCESS))
        .await;
    assert_eq!(
        user_errors(&twice),
        [input_error("orderId", "ILLEGAL_TRANSITION")]
    );
    assert_eq!(charges(&app, &payment).await, 1);
}

#[tokio::test]
async fn a_provider_timeout_is_resolved_by_asking_before_any_retry_and_charges_once() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (_, order) = invoiced(&app, "LAMP", "49.00").await;
    let started = app
        .as_role(Role::Finance)
        .data(CAPTURE, card(&order, test_cards::TIMEOUT))
        .await;
    let payment = started["payment"]["id"].as_str().unwrap().to_owned();
    // The first call charges but its answer is lost; the retry asks first.
    let paid = settled(&app, &payment, "SUCCEEDED").await;
    assert_eq!(paid["order"]["status"], "PAID");
    assert_eq!(charges(&app, &payment).await, 1);
    // One call to charge; the retry only asked what had happened.
    let stored = <entity::payment::Entity as sea_orm::EntityTrait>::find_by_id(
        uuid::Uuid::parse_str(&payment).unwrap(),
    )
    .one(app.db())
    .await
    .unwrap()
    .unwrap();
    let stored: entity::payment::Model = stored;
    assert_eq!(stored.attempts, 1);
}

#[tokio::test]
async fn two_concurrent_captures_of_one_order_charge_once() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (_, order) = invoiced(&app, "LAMP", "49.00").await;
    let finance = app.as_role(Role::Finance);
    let (a, b) = futures::join!(
        finance.data(CAPTURE, card(&order, test_cards::SUCCESS)),
        finance.data(CAPTURE, card(&order, test_cards::SUCCESS)),
    );
    let taken: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|p| user_errors(p).is_empty())
        .collect();
    assert_eq!(taken.len(), 1, "{a} {b}");
    let refused = if user_errors(&a).is_empty() { &b } else { &a };
    assert_eq!(
        user_errors(refused),
        [input_error("orderId", "ILLEGAL_TRANSITION")]
    );
    let payment = taken[0]["payment"]["id"].as_str().unwrap().to_owned();
    settled(&app, &payment, "SUCCEEDED").await;
    assert_eq!(payments_of(&app, &order).await.len(), 1);
    assert_eq!(charges(&app, &payment).await, 1);
}

#[tokio::test]
async fn a_decline_leaves_the_order_payable_and_a_new_card_pays_it() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (customer, order) = invoiced(&app, "LAMP", "49.00").await;
    let payer = app.as_customer(&customer);
    let declined = payer
        .data(CAPTURE, card(&order, test_cards::INSUFFICIENT_FUNDS))
        .await;
    let payment = declined["payment"]["id"].as_str().unwrap().to_owned();
    let failed = settled(&app, &payment, "FAILED").await;
    assert_eq!(failed["failureReason"], "insufficient funds");
    assert_eq!(failed["order"]["status"], "INVOICED");
    assert_eq!(
        failed["order"]["statusReason"],
        "payment failed: insufficient funds"
    );
    let own = payer.data(ORDER, json!({ "id": order })).await;
    assert_eq!(
        own["nextActions"],
        json!([{ "action": "PAY", "role": "CUSTOMER" }])
    );
    assert_eq!(charges(&app, &payment).await, 0);

    let retried = payer.data(CAPTURE, card(&order, test_cards::SUCCESS)).await;
    let second = retried["payment"]["id"].as_str().unwrap().to_owned();
    assert_ne!(second, payment);
    settled(&app, &second, "SUCCEEDED").await;
}

#[tokio::test]
async fn a_bank_transfer_is_paid_when_a_matching_remittance_is_recorded() {
    let app = TestApp::spawn().await;
    let (customer, order) = invoiced(&app, "LAMP", "49.00").await;
    let transfer = app
        .as_customer(&customer)
        .data(
            CAPTURE,
            json!({ "input": { "orderId": order, "method": "BANK_TRANSFER" } }),
        )
        .await;
    assert_eq!(
        transfer["payment"]["status"], "AWAITING_REMITTANCE",
        "{transfer}"
    );
    let payment = transfer["payment"]["id"].as_str().unwrap().to_owned();
    let order_now = app.admin().data(ORDER, json!({ "id": order })).await;
    assert_eq!(order_now["status"], "AWAITING_PAYMENT");

    let remit = op(
        "recordRemittance",
        "mutation($input: RecordRemittanceInput!) { recordRemittance(input: $input) { payment { status remittanceReference order { status } } userErrors { field code message } } }",
    );
    let finance = app.as_role(Role::Finance);
    finance
        .refused(
            remit,
            json!({ "input": { "paymentId": payment, "amount": "50.00", "reference": "CBA 123" } }),
            "amount",
            "AMOUNT_MISMATCH",
        )
        .await;
    let clerk = app
        .as_role(Role::Fulfilment)
        .run(
            remit,
            json!({ "input": { "paymentId": payment, "amount": "58.95", "reference": "CBA 123" } }),
        )
        .await;
    assert_eq!(tests::error_code(&clerk).as_deref(), Some("FORBIDDEN"));
    let paid = finance
        .accepted(
            remit,
            json!({ "input": { "paymentId": payment, "amount": "58.95", "reference": "CBA 123" } }),
        )
        .await;
    assert_eq!(paid["payment"]["status"], "SUCCEEDED");
    assert_eq!(paid["payment"]["order"]["status"], "PAID");
    finance
        .refused(
            remit,
            json!({ "input": { "paymentId": payment, "amount": "58.95", "reference": "CBA 123" } }),
            "paymentId",
            "ILLEGAL_TRANSITION",
        )
        .await;
}

#[tokio::test]
async fn bad_captures_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (customer, order) = invoiced(&app, "LAMP", "49.00").await;
    let payer = app.as_customer(&customer);
    for (input, field, code) in [
        (
            json!({ "orderId": order, "method": "CARD", "cardNumber": test_cards::SUCCESS, "amount": "0" }),
            "amount",
            "OUT_OF_RANGE",
        ),
        (
            json!({ "orderId": order, "method": "CARD", "cardNumber": test_cards::SUCCESS, "amount": "-5.00" }),
            "amount",
            "OUT_OF_RANGE",
        ),
        (
            json!({ "orderId": order, "method": "CARD", "cardNumber": test_cards::SUCCESS, "amount": "10.00" }),
            "amount",
            "AMOUNT_MISMATCH",
        ),
        (
            json!({ "orderId": order, "method": "CARD", "cardNumber": test_cards::SUCCESS, "currency": "NZD" }),
            "currency",
            "UNSUPPORTED_CURRENCY",
        ),
        (
            json!({ "orderId": order, "method": "CARD" }),
            "cardNumber",
            "REQUIRED",
        ),
        (
            json!({ "orderId": order, "method": "CARD", "cardNumber": "12ab" }),
            "cardNumber",
            "OUT_OF_RANGE",
        ),
    ] {
        let refused = payer.data(CAPTURE, json!({ "input": input })).await;
        assert_eq!(user_errors(&refused), [input_error(field, code)], "{input}");
    }
    let order_now = app.admin().data(ORDER, json!({ "id": order })).await;
    assert_eq!(order_now["status"], "INVOICED");
    assert!(payments_of(&app, &order).await.is_empty());

    // A cancelled order cannot be paid; another customer's looks missing.
    app.as_role(Role::Finance)
        .data(
            op("cancelOrder", "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"changed plans\" }) { order { status } } }"),
            json!({ "id": order }),
        )
        .await;
    let cancelled = payer.data(CAPTURE, card(&order, test_cards::SUCCESS)).await;
    assert_eq!(
        user_errors(&cancelled),
        [input_error("orderId", "ILLEGAL_TRANSITION")]
    );
    let bob = app.customer_named("Bob", "bob@example.com.au").await;
    let foreign = app
        .as_customer(&bob)
        .data(CAPTURE, card(&order, test_cards::SUCCESS))
        .await;
    assert_eq!(user_errors(&foreign), [input_error("orderId", "NOT_FOUND")]);
}

tests::op_const!(REFUND = "refundPayment": "mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status amount { amount } approval { id status } adjustmentNote { id } } userErrors { field code message } } }");
tests::op_const!(REFUND_NOW = "refund": "query($id: ID!) { refund(id: $id) { status failureReason providerReference adjustmentNote { number total { amount } gst { amount } reason issuedOn } } }");

/// A paid card payment of an order of `price` (under $200 with delivery:
/// captured without a person): the payment's id.
async fn paid(app: &TestApp, price: &str) -> String {
    let (_, order) = invoiced(app, "DESK", price).await;
    let started = app
        .as_role(Role::Finance)
        .data(CAPTURE, card(&order, test_cards::SUCCESS))
        .await;
    let payment = started["payment"]["id"].as_str().unwrap().to_owned();
    settled(app, &payment, "SUCCEEDED").await;
    payment
}

/// Provider refunds recorded for a refund.
async fn provider_refunds(app: &TestApp, refund: &str) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::provider_charge::Entity::find()
        .filter(entity::provider_charge::Column::IdempotencyKey.eq(refund))
        .all(app.db())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_refund_needs_its_approval_calls_the_provider_once_and_its_note_shows_in_the_gst_summary()
{
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let payment = paid(&app, "149.00").await;
    let requester = app.person("finance-1", Role::Finance);

    // Never more than was paid, never nothing.
    for (amount, code) in [("200.00", "OUT_OF_RANGE"), ("0", "OUT_OF_RANGE")] {
        let refused = requester
            .data(
                REFUND,
                json!({ "input": { "paymentId": payment, "amount": amount, "reason": "x" } }),
            )
            .await;
        assert_eq!(
            user_errors(&refused),
            [input_error("amount", code)],
            "{amount}"
        );
    }

    // $120 needs a person: nothing is paid back, and no note, until approved.
    let asked = requester
        .accepted(REFUND, json!({ "input": { "paymentId": payment, "amount": "120.00", "reason": "Arrived scratched" } }))
        .await;
    let refund = asked["refund"]["id"].as_str().unwrap().to_owned();
    assert_eq!(asked["refund"]["status"], "AWAITING_APPROVAL");
    assert!(asked["refund"]["adjustmentNote"].is_null());
    assert_eq!(provider_refunds(&app, &refund).await, 0);
    // What is on its way back counts: only $38.95 is left to refund.
    requester
        .refused(
            REFUND,
            json!({ "input": { "paymentId": payment, "amount": "50.00", "reason": "x" } }),
            "amount",
            "OUT_OF_RANGE",
        )
        .await;

    let approval = asked["refund"]["approval"]["id"].clone();
    app.approve("finance-2", Role::Finance, &approval).await;
    wait_for("the refund to be paid back", PATIENCE, async || {
        app.admin().data(REFUND_NOW, json!({ "id": refund })).await["status"] == "SUCCEEDED"
    })
    .await;
    let done = app.admin().data(REFUND_NOW, json!({ "id": refund })).await;
    assert!(
        done["providerReference"]
            .as_str()
            .unwrap()
            .starts_with("re_")
    );
    let note = &done["adjustmentNote"];
    assert_eq!(note["total"]["amount"], "-120.00");
    assert_eq!(note["reason"], "Refund: Arrived scratched");
    assert_eq!(provider_refunds(&app, &refund).await, 1);

    let summary = app
        .as_role(Role::Finance)
        .data(
            op("gstSummary", "query($from: Date!, $to: Date!) { gstSummary(from: $from, to: $to) { summary { decreasingAdjustments { amount } adjustmentNoteCount adjustmentNotes { edges { node { number } } } } } }"),
            json!({ "from": note["issuedOn"], "to": note["issuedOn"] }),
        )
        .await;
    let s = &summary["summary"];
    assert_eq!(s["adjustmentNoteCount"], 1);
    assert_eq!(
        s["decreasingAdjustments"]["amount"],
        note["gst"]["amount"]
            .as_str()
            .unwrap()
            .trim_start_matches('-')
    );
}

#[tokio::test]
async fn a_rejected_refund_pays_nothing_back_and_leaves_no_note() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let payment = paid(&app, "149.00").await;
    let asked = app
        .person("finance-1", Role::Finance)
        .data(REFUND, json!({ "input": { "paymentId": payment, "amount": "158.95", "reason": "Changed mind" } }))
        .await;
    let refund = asked["refund"]["id"].as_str().unwrap().to_owned();
    let approval = asked["refund"]["approval"]["id"].clone();
    app.decide_approval(
        "finance-2",
        Role::Finance,
        &approval,
        "REJECT",
        Some("not this time"),
    )
    .await;
    let after = app.admin().data(REFUND_NOW, json!({ "id": refund })).await;
    assert_eq!(after["status"], "FAILED");
    assert_eq!(after["failureReason"], "refund approval rejected");
    assert!(after["adjustmentNote"].is_null());
    assert_eq!(provider_refunds(&app, &refund).await, 0);
    // The whole amount may be asked for again.
    app.person("finance-1", Role::Finance)
        .accepted(REFUND, json!({ "input": { "paymentId": payment, "amount": "158.95", "reason": "Changed mind" } }))
        .await;
}

/// FINANCE cancels a paid order: the refund of `payment` it starts.
async fn cancelled_refund(app: &TestApp, order: &Value, payment: &str) -> Value {
    let cancelled = app
        .person("finance-1", Role::Finance)
        .accepted(
            op("cancelOrder", "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"Customer cancelled\" }) { order { status } userErrors { field code message } } }"),
            json!({ "id": order }),
        )
        .await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    let refunds = app
        .admin()
        .data(
            op("refunds", "query($id: ID!) { refunds(filter: { paymentId: $id }) { edges { node { id status amount { amount } approval { id } } } } }"),
            json!({ "id": payment }),
        )
        .await;
    tests::nodes(&refunds)[0].clone()
}

#[tokio::test]
async fn cancelling_a_paid_order_refunds_it_and_the_note_reverses_its_invoice_exactly() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let payment = paid(&app, "149.00").await;
    let order = app.admin().data(PAYMENT, json!({ "id": payment })).await;
    assert_eq!(order["order"]["status"], "PAID");
    let order_id = app
        .admin()
        .data(
            op("payment", "query($id: ID!) { payment(id: $id) { order { id invoice { id total { amount } gst { amount } } } } }"),
            json!({ "id": payment }),
        )
        .await["order"]
        .clone();
    let refund = cancelled_refund(&app, &order_id["id"], &payment).await;
    assert_eq!(refund["status"], "AWAITING_APPROVAL");
    assert_eq!(refund["amount"]["amount"], "158.95");
    app.approve("finance-2", Role::Finance, &refund["approval"]["id"])
        .await;
    wait_for("the refund to be paid back", PATIENCE, async || {
        app.admin()
            .data(REFUND_NOW, json!({ "id": refund["id"] }))
            .await["status"]
            == "SUCCEEDED"
    })
    .await;
    let note = app
        .admin()
        .data(REFUND_NOW, json!({ "id": refund["id"] }))
        .await["adjustmentNote"]
        .clone();
    let invoice = &order_id["invoice"];
    assert_eq!(
        note["total"]["amount"],
        format!("-{}", invoice["total"]["amount"].as_str().unwrap())
    );
    assert_eq!(
        note["gst"]["amount"],
        format!("-{}", invoice["gst"]["amount"].as_str().unwrap())
    );
    let left = app
        .admin()
        .data(
            op(
                "invoice",
                "query($id: ID!) { invoice(id: $id) { remainingTotal { amount } } }",
            ),
            json!({ "id": invoice["id"] }),
        )
        .await;
    assert_eq!(left["remainingTotal"]["amount"], "0.00");
}

/// A paid order whose invoice a note already reduced is cancelled: all that
/// was paid comes back, and the refund's note takes only what the invoice
/// has left, so the provider's confirmation is always recorded.
#[tokio::test]
async fn a_refund_of_more_than_the_invoice_has_left_settles_with_a_note_for_the_rest() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let payment = paid(&app, "149.00").await;
    let order = app
        .admin()
        .data(
            op(
                "payment",
                "query($id: ID!) { payment(id: $id) { order { id invoice { id } } } }",
            ),
            json!({ "id": payment }),
        )
        .await["order"]
        .clone();
    let finance = app.person("finance-1", Role::Finance);
    finance
        .accepted(
            op("issueAdjustmentNote", "mutation($input: IssueAdjustmentNoteInput!) { issueAdjustmentNote(input: $input) { adjustmentNote { id } userErrors { field code message } } }"),
            json!({ "input": { "invoiceId": order["invoice"]["id"], "amount": "30.00", "reason": "Goodwill credit" } }),
        )
        .await;
    let refund = cancelled_refund(&app, &order["id"], &payment).await;
    assert_eq!(refund["amount"]["amount"], "158.95", "all that was paid");
    app.approve("finance-2", Role::Finance, &refund["approval"]["id"])
        .await;
    let settled = wait_for_value("the refund to settle", PATIENCE, async || {
        let r = app
            .admin()
            .data(REFUND_NOW, json!({ "id": refund["id"] }))
            .await;
        (r["status"] != "REFUNDING" && r["status"] != "AWAITING_APPROVAL").then_some(r)
    })
    .await;
    assert_eq!(settled["status"], "SUCCEEDED", "{settled}");
    assert_eq!(settled["adjustmentNote"]["total"]["amount"], "-128.95");
    let left = app
        .admin()
        .data(
            op(
                "invoice",
                "query($id: ID!) { invoice(id: $id) { remainingTotal { amount } } }",
            ),
            json!({ "id": order["invoice"]["id"] }),
        )
        .await;
    assert_eq!(left["remainingTotal"]["amount"], "0.00");
}

#[tokio::test]
async fn on_the_cash_basis_the_gst_summary_counts_what_was_paid_and_paid_back_in_the_period() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    app.admin()
        .change_business_settings(json!({ "gstBasis": "CASH" }))
        .await;
    let finance = app.as_role(Role::Finance);
    // Day 1: A is invoiced and paid, B and C are invoiced only.
    let (_, a) = invoiced(&app, "LAMP-A", "49.00").await;
    let (_, b) = invoiced(&app, "LAMP-B", "59.00").await;
    let (_, c) = invoiced(&app, "LAMP-C", "69.00").await;
    let paid_a = finance.data(CAPTURE, card(&a, test_cards::SUCCESS)).await["payment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    settled(&app, &paid_a, "SUCCEEDED").await;
    let invoice_of = |order: String| {
        let app = &app;
        async move {
            app.admin()
                .data(
                    op("order", "query($id: ID!) { order(id: $id) { invoice { id number issuedOn total { amount } gst { amount } } } }"),
                    json!({ "id": order }),
                )
                .await["invoice"]
                .clone()
        }
    };
    let (inv_a, inv_c) = (invoice_of(a.clone()).await, invoice_of(c.clone()).await);
    let day1 = inv_a["issuedOn"].as_str().unwrap().to_owned();

    // Day 2: C is paid, A is partly refunded, B is cancelled unpaid.
    app.clock.advance(chrono::Duration::days(1));
    let paid_c = finance.data(CAPTURE, card(&c, test_cards::SUCCESS)).await["payment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    settled(&app, &paid_c, "SUCCEEDED").await;
    let refund = finance
        .data(
            REFUND,
            json!({ "input": { "paymentId": paid_a, "amount": "20.00", "reason": "Dented" } }),
        )
        .await["refund"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_for("the refund", PATIENCE, async || {
        app.admin().data(REFUND_NOW, json!({ "id": refund })).await["status"] == "SUCCEEDED"
    })
    .await;
    let refund_note =
        app.admin().data(REFUND_NOW, json!({ "id": refund })).await["adjustmentNote"].clone();
    finance
        .data(
            op("cancelOrder", "mutation($id: ID!) { cancelOrder(input: { id: $id, reason: \"changed plans\" }) { order { status } } }"),
            json!({ "id": b }),
        )
        .await;
    let day2 = refund_note["issuedOn"].as_str().unwrap().to_owned();
    assert_ne!(day1, day2);

    let summary = op(
        "gstSummary",
        "query($from: Date!, $to: Date!) { gstSummary(from: $from, to: $to) { summary { basis totalSales { amount } gstOnSales { amount } decreasingAdjustments { amount } invoiceCount adjustmentNoteCount invoices { edges { node { number } } } adjustmentNotes { edges { node { number } } } } } }",
    );
    let numbers = |connection: &Value| -> Vec<Value> {
        tests::nodes(connection)
            .iter()
            .map(|n| n["number"].clone())
            .collect()
    };
    // Cash: day 1 received A only; day 2 received C and paid back A's refund
    // (B's cancellation moved no money).
    let first = finance
        .data(summary, json!({ "from": day1, "to": day1 }))
        .await["summary"]
        .clone();
    assert_eq!(first["basis"], "CASH");
    assert_eq!(numbers(&first["invoices"]), [inv_a["number"].clone()]);
    assert_eq!(first["totalSales"], inv_a["total"]);
    assert_eq!(first["adjustmentNoteCount"], 0);
    let second = finance
        .data(summary, json!({ "from": day2, "to": day2 }))
        .await["summary"]
        .clone();
    assert_eq!(numbers(&second["invoices"]), [inv_c["number"].clone()]);
    assert_eq!(second["gstOnSales"], inv_c["gst"]);
    assert_eq!(
        numbers(&second["adjustmentNotes"]),
        [refund_note["number"].clone()]
    );
    assert_eq!(
        second["decreasingAdjustments"]["amount"],
        refund_note["gst"]["amount"]
            .as_str()
            .unwrap()
            .trim_start_matches('-')
    );

    // Accrual: every invoice on day 1, both notes on day 2.
    app.admin()
        .change_business_settings(json!({ "gstBasis": "ACCRUAL" }))
        .await;
    let first = finance
        .data(summary, json!({ "from": day1, "to": day1 }))
        .await["summary"]
        .clone();
    assert_eq!(first["basis"], "ACCRUAL");
    assert_eq!(first["invoiceCount"], 3);
    let second = finance
        .data(summary, json!({ "from": day2, "to": day2 }))
        .await["summary"]
        .clone();
    assert_eq!(second["invoiceCount"], 0);
    assert_eq!(second["adjustmentNoteCount"], 2);
}

#[tokio::test]
async fn a_wallet_payer_approves_at_the_provider_and_is_charged_once_or_cancels_and_nothing_is() {
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("PUBLIC_BASE_URL", "http://hub.test")]).await;
    let with_redirect = op(
        "payment",
        "query($id: ID!) { payment(id: $id) { status redirectUrl failureReason order { status } } }",
    );
    for (answer, status, order_status) in [
        ("cancel", "FAILED", "INVOICED"),
        ("approve", "SUCCEEDED", "PAID"),
    ] {
        let sku = format!("WALLET-{answer}");
        let (customer, order) = invoiced(&app, &sku, "49.00").await;
        let started = app
            .as_customer(&customer)
            .accepted(
                CAPTURE,
                json!({ "input": { "orderId": order, "method": "PAYPAL" } }),
            )
            .await;
        let payment = started["payment"]["id"].as_str().unwrap().to_owned();
        let waiting = app
            .admin()
            .data(with_redirect, json!({ "id": payment }))
            .await;
        assert_eq!(waiting["status"], "AWAITING_PAYER");
        assert_eq!(waiting["order"]["status"], "AWAITING_PAYMENT");
        let redirect = waiting["redirectUrl"].as_str().unwrap();
        assert!(
            redirect.starts_with("http://hub.test/links/payer-approval/"),
            "{redirect}"
        );
        let local = redirect.replace("http://hub.test", &app.base_url);

        // The provider's page shows what is asked and posts the answer back.
        let page = app.client.get(&local).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        // Like every signed-link page: never cached, indexed or leaked.
        let headers = page.headers();
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-robots-tag"], "noindex");
        let html = page.text().await.unwrap();
        assert!(html.contains("$58.95 AUD"), "{html}");
        let token = local.rsplit('/').next().unwrap();
        let action = format!("/links/payer-approval/{token}/{answer}");
        assert!(html.contains(&action));
        let answered = app
            .client
            .post(format!("{}{action}", app.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status().as_u16(), 200);
        let done = settled(&app, &payment, status).await;
        assert_eq!(done["order"]["status"], order_status);
        let expected_charges = u64::from(answer == "approve");
        assert_eq!(charges(&app, &payment).await, expected_charges);
        // A second click changes nothing.
        app.client
            .post(format!("{}{action}", app.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(charges(&app, &payment).await, expected_charges);
    }
    // A tampered token opens nothing.
    let refused = app
        .client
        .post(format!(
            "{}/links/payer-approval/not-a-token/approve",
            app.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 404);
}

#[tokio::test]
async fn a_zero_total_order_is_paid_at_once_by_the_system_without_a_payment() {
    let app = TestApp::spawn().await;
    app.admin()
        .change_business_settings(json!({ "shippingStandard": "0" }))
        .await;
    let location = warehouse(&app).await;
    let item = product(&app, &location, "GOODWILL", "49.00", "TAXABLE", true).await;
    let customer = app
        .customer_named("Alice Nguyen", "goodwill@example.com.au")
        .await;
    // A goodwill replacement: staff give it 100% off.
    let placed = app
        .person("clerk", Role::Fulfilment)
        .data(
            op("placeOrder", "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { amount } } userErrors { field code } } }"),
            json!({ "input": { "customerId": customer, "lines": [{ "productId": item, "quantity": 1, "discountPercent": "100" }],
                "shippingAddress": { "line1": "1 George St", "suburb": "Sydney", "state": "NSW", "postcode": "2000" },
                "requiredDeliveryDate": "2026-12-24", "shippingSpeed": "STANDARD" } }),
        )
        .await;
    assert_eq!(placed["order"]["total"]["amount"], "0.00", "{placed}");
    let order = placed["order"]["id"].as_str().unwrap().to_owned();
    reserve(&app, &order).await;
    let paid = app
        .admin()
        .data(
            op("order", "query($id: ID!) { order(id: $id) { status invoice { total { amount } } timeline { action actorId } } }"),
            json!({ "id": order }),
        )
        .await;
    assert_eq!(paid["status"], "PAID", "{paid}");
    assert_eq!(paid["invoice"]["total"]["amount"], "0.00");
    let last = paid["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last, json!({ "action": "order.paid", "actorId": "system" }));
    assert!(payments_of(&app, &order).await.is_empty());
}

tests::op_const!(WINDOW = "order": "query($id: ID!) { order(id: $id) { status reservedUntil } }");

/// The order's reservation window, and a wait for its order to be `status`.
async fn window_of(app: &TestApp, order: &str) -> chrono::DateTime<chrono::Utc> {
    let seen = app.admin().data(WINDOW, json!({ "id": order })).await;
    tests::fulfil::instant(&seen["reservedUntil"])
}

async fn order_becomes(app: &TestApp, order: &str, status: &str) {
    wait_for(&format!("the order {status}"), PATIENCE, async || {
        app.admin().data(WINDOW, json!({ "id": order })).await["status"] == status
    })
    .await;
}

/// An invoiced order its customer pays by `method` (no card), waiting on
/// the payer as `status`: (order, payment).
async fn waiting_on_payer(
    app: &TestApp,
    sku: &str,
    method: &str,
    status: &str,
) -> (String, String) {
    let (customer, order) = invoiced(app, sku, "49.00").await;
    let started = app
        .as_customer(&customer)
        .accepted(
            CAPTURE,
            json!({ "input": { "orderId": order, "method": method } }),
        )
        .await;
    let payment = started["payment"]["id"].as_str().unwrap().to_owned();
    settled(app, &payment, status).await;
    (order, payment)
}

/// A wallet payer who never comes back holds nothing: when the window
/// ends the payment fails and the order lapses like any unpaid one.
#[tokio::test]
async fn a_wallet_payer_who_never_answers_lets_the_reservation_lapse() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (order, payment) = waiting_on_payer(&app, "WALLET-GONE", "PAYPAL", "AWAITING_PAYER").await;

    app.clock
        .set(window_of(&app, &order).await + chrono::Duration::minutes(1));
    order_becomes(&app, &order, "CANCELLED").await;
    let failed = app
        .admin()
        .data(
            op(
                "payment",
                "query($id: ID!) { payment(id: $id) { status failureReason } }",
            ),
            json!({ "id": payment }),
        )
        .await;
    assert_eq!(
        (failed["status"].as_str(), failed["failureReason"].as_str()),
        (
            Some("FAILED"),
            Some("the payer did not approve it before the reservation lapsed")
        )
    );
}

/// A payment whose approval is still open when the window ends keeps the
/// order; refused afterwards, the order lapses at once (the window's
/// timer had fired and found the payment pending).
#[tokio::test]
async fn a_payment_refused_after_the_window_ended_lets_the_reservation_lapse() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    // Over $200: FINANCE decides the capture.
    let (customer, order) = invoiced(&app, "LATE-NO", "250.00").await;
    let started = app
        .as_customer(&customer)
        .accepted(CAPTURE, card(&order, test_cards::SUCCESS))
        .await;
    assert_eq!(
        started["payment"]["approval"]["status"], "PENDING",
        "{started}"
    );
    let subject = uuid::Uuid::parse_str(&order).unwrap();
    app.clock
        .set(window_of(&app, &order).await + chrono::Duration::minutes(1));
    wait_for("the window's timer fired", PATIENCE, async || {
        use sea_orm::{ColumnTrait, QueryFilter};
        entity::timer::Entity::find()
            .filter(entity::timer::Column::SubjectId.eq(subject))
            .filter(entity::timer::Column::Kind.eq(domain::orders::timer_kind::RESERVATION_EXPIRY))
            .filter(entity::timer::Column::Status.eq(entity::TimerStatus::Fired))
            .one(app.db())
            .await
            .unwrap()
            .is_some()
    })
    .await;
    app.outbox_drained("the fired timer processed").await;
    assert_eq!(
        app.admin().data(WINDOW, json!({ "id": order })).await["status"],
        "AWAITING_PAYMENT",
        "held while its approval is open"
    );

    app.decide_approval(
        "finance-2",
        Role::Finance,
        &started["payment"]["approval"]["id"],
        "REJECT",
        Some("not this card"),
    )
    .await;
    order_becomes(&app, &order, "CANCELLED").await;
}

tests::op_const!(WITHDRAW = "withdrawPayment": "mutation($input: WithdrawPaymentInput!) { withdrawPayment(input: $input) { payment { status failureReason order { status } } userErrors { field code message } } }");

/// A bank transfer whose money never comes is given up by FINANCE: the
/// payment fails with the reason, and the order, whose window has ended,
/// lapses and gives its stock back. Only a payment waiting on its payer is
/// withdrawn this way.
#[tokio::test]
async fn finance_withdraws_a_bank_transfer_that_never_came_and_the_order_lapses() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (order, payment) =
        waiting_on_payer(&app, "NEVER-PAID", "BANK_TRANSFER", "AWAITING_REMITTANCE").await;
    let input = |reason: &str| json!({ "input": { "paymentId": payment, "reason": reason } });

    let clerk = app
        .as_role(Role::Fulfilment)
        .run(WITHDRAW, input("x"))
        .await;
    assert_eq!(tests::error_code(&clerk).as_deref(), Some("FORBIDDEN"));
    let finance = app.as_role(Role::Finance);
    finance
        .refused(WITHDRAW, input(" "), "reason", "REQUIRED")
        .await;

    app.clock
        .set(window_of(&app, &order).await + chrono::Duration::minutes(1));
    let withdrawn = finance
        .accepted(WITHDRAW, input("No remittance after the reminder"))
        .await;
    assert_eq!(withdrawn["payment"]["status"], "FAILED");
    assert_eq!(
        withdrawn["payment"]["failureReason"],
        "withdrawn: No remittance after the reminder"
    );
    order_becomes(&app, &order, "CANCELLED").await;
    finance
        .refused(WITHDRAW, input("again"), "paymentId", "ILLEGAL_TRANSITION")
        .await;
}
