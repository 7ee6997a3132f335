//! Returns (RMA) for end-to-end tests: orders delivered by the simulated
//! courier on the app clock, the returns operations written once, and the
//! email about a return's step.

use crate::fulfil::{PATIENCE, instant, line_ids, paid_order, ship, shipment_of};
use crate::{Op, TestApp, wait_for};
use chrono::Duration as Days;
use serde_json::{Value, json};

/// Every field of a return the tests read.
macro_rules! return_fields {
    () => {
        "id number status reason details resolution orderId customerId instructions decisionReason decidedAt receivedAt refundId approvalId adjustmentNoteId replacementOrderId completedAt requestedAt version lines { id orderLineId productId sku quantity disposition locationId batchCode inspectionNote } steps { id step statusAfter note actor at }"
    };
}

crate::record_mutation!(pub REQUEST = "requestReturn"("RequestReturnInput") "returnRequest" { return_fields!() });
crate::record_mutation!(pub APPROVE = "approveReturn"("ApproveReturnInput") "returnRequest" { return_fields!() });
crate::record_mutation!(pub REJECT = "rejectReturn"("RejectReturnInput") "returnRequest" { return_fields!() });
crate::record_mutation!(pub CANCEL = "cancelReturn"("CancelReturnInput") "returnRequest" { return_fields!() });
crate::record_mutation!(pub RECEIVE = "receiveReturn"("ReceiveReturnInput") "returnRequest" { return_fields!() });
crate::record_mutation!(pub RESOLVE = "resolveReturn"("ResolveReturnInput") "returnRequest" { return_fields!() });

/// One return.
pub const RETURN: Op = Op {
    field: "returnRequest",
    document: concat!(
        "query($id: ID!) { returnRequest(id: $id) { ",
        return_fields!(),
        " } }"
    ),
};

/// Returns (first 100) matching a filter.
pub const RETURNS: Op = Op {
    field: "returnRequests",
    document: "query($filter: ReturnRequestFilter) { returnRequests(first: 100, filter: $filter) { edges { node { id number status reason customerId } } } }",
};

/// Walk a shipped package's polls on the app clock until its order is
/// DELIVERED (the simulated courier reveals each checkpoint as time passes).
pub async fn walk_to_delivered(app: &TestApp, package: &str) {
    let mut seen = shipment_of(app, package).await;
    for _ in 0..120 {
        if seen["order"]["status"] == "DELIVERED" {
            return;
        }
        let before = seen["checkpoints"].as_array().map_or(0, Vec::len);
        let next = seen["nextPollAt"].clone();
        app.clock.set(instant(&next) + Days::minutes(1));
        wait_for("the next poll", PATIENCE, async || {
            seen = shipment_of(app, package).await;
            seen["nextPollAt"] != next
                || seen["checkpoints"].as_array().map_or(0, Vec::len) != before
        })
        .await;
    }
    panic!("the order never got delivered: {seen}");
}

/// A paid order of `lines` (product, units) for a new customer with
/// `email`, shipped from `location` in one package by the simulated courier
/// A and delivered: (order, customer, order line ids).
pub async fn delivered_order(
    app: &TestApp,
    location: &str,
    lines: &[(&str, i32)],
    email: &str,
) -> (String, String, Vec<String>) {
    let (order, customer) = paid_order(app, email, lines).await;
    let ids = line_ids(app, &order).await;
    let items: Vec<(&str, i32)> = ids
        .iter()
        .zip(lines)
        .map(|(id, (_, units))| (id.as_str(), *units))
        .collect();
    let (package, _) = ship(app, &order, location, &items, "A").await;
    walk_to_delivered(app, &package).await;
    (order, customer, ids)
}

/// The `requestReturn` input for `lines` (order line, units).
pub fn request_input(order: &str, lines: &[(&str, i32)], reason: &str, resolution: &str) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(line, units)| json!({ "orderLineId": line, "quantity": units }))
        .collect();
    json!({ "input": { "orderId": order, "lines": lines, "reason": reason,
        "details": "Not what I ordered", "resolution": resolution } })
}

/// The SENT email about the return's step named `step` (e.g.
/// `return.approved`): its raw bytes.
pub async fn step_email(app: &TestApp, return_id: &str, step: &str) -> Vec<u8> {
    let seen = app.admin().data(RETURN, json!({ "id": return_id })).await;
    let step_id = seen["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap_or_else(|| panic!("no {step} step: {seen}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.sent_email(entity::NotificationKind::ReturnUpdate, &step_id)
        .await
}
