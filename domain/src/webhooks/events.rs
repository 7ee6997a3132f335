//! The event catalogue integrators subscribe to, recording an event in the
//! transaction that caused it, and the `data` object of each event: the
//! record as the API shows it (camelCase, the GraphQL type's main fields,
//! money as `{amount, currency}`), read when the event is fanned out.

use crate::kernel::{DomainError, Write};
use crate::platform::outbox::topic;
use chrono::{DateTime, Utc};
use entity::{
    WebhookEventType, approval_request, engagement, guarantee_claim, recall, remedy_step,
    return_request, sales_order, shipment, tax_invoice, ticket, webhook_subscription,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use WebhookEventType as E;

/// The outbox payload of a `webhook.event` row (subject: the record).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub event_type: WebhookEventType,
    pub subject_id: Uuid,
    pub occurred_at: DateTime<Utc>,
}

/// The name on the wire, e.g. `order.placed`.
pub fn wire_name(t: WebhookEventType) -> String {
    t.to_string()
}

/// What an event's `data` holds.
pub fn description(t: WebhookEventType) -> &'static str {
    match t {
        E::OrderPlaced => {
            "An order was placed. data: the order (id, number, status, customerId, totals, requiredDeliveryDate, createdAt)."
        }
        E::OrderReserved => "An order's stock was reserved. data: the order.",
        E::InvoiceIssued => {
            "A tax invoice was issued. data: the invoice (id, number, subjectId, customerId, issuedOn, exGst, gst, total)."
        }
        E::PaymentCaptured => {
            "A payment was captured. data: the payment (id, orderId, customerId, method, status, amount, paidAt)."
        }
        E::OrderShipped => {
            "A package of an order was handed to the courier. data: the package (id, number, orderId, courier, trackingNumber, trackingStatus, estimatedDelivery, pickedUpAt)."
        }
        E::ShipmentUpdated => "A package's tracking status changed. data: the package.",
        E::OrderDelivered => "An order was delivered. data: the order.",
        E::ApprovalRequested => {
            "An approval was requested. data: the approval (id, kind, subjectType, subjectId, status, amount, reason, dueAt)."
        }
        E::ApprovalDecided => "A decision was recorded on an approval. data: the approval.",
        E::EngagementStageChanged => {
            "An engagement's stage started. data: the engagement (id, number, name, customerId, status, stageIndex, round, stageStartedAt, stageDueAt)."
        }
        E::RecallStarted => {
            "A product recall started. data: the recall (id, number, productId, status, defect, hazard, customerAction, remedy, startedOn)."
        }
        E::TicketBreached => {
            "A support ticket's SLA target was breached. data: the ticket (id, number, customerId, subject, priority, status, createdAt)."
        }
        E::ClaimLodged => {
            "A consumer-guarantee claim was lodged. data: the claim (id, number, customerId, supply, orderId, orderLineId, engagementId, quantity, guarantee, status, severity, remedy, remedyAmount, remedyDueAt, remedyChosenAt, remedyNote, remediedAt, createdAt, lastStep)."
        }
        E::ClaimUpdated => {
            "A claim moved a step (assessed, remedy chosen, remedied, withdrawn, ...). data: the claim; lastStep names the step."
        }
        E::ReturnRequested => {
            "A return was requested. data: the return (id, number, orderId, customerId, reason, resolution, status, decisionReason, decidedAt, receivedAt, completedAt, createdAt, lastStep)."
        }
        E::ReturnUpdated => {
            "A return moved a step (approved, rejected, received, refunding, completed, ...). data: the return; lastStep names the step."
        }
        E::Test => {
            "A test delivery asked for by ADMIN (sendTestWebhook). data: {subscriptionId, message}."
        }
    }
}

/// Every event type, in catalogue order.
pub fn catalogue() -> Vec<WebhookEventType> {
    WebhookEventType::iter().collect()
}

/// An event type by its enum name (`ORDER_PLACED`) or wire name
/// (`order.placed`); `None` for anything else.
pub fn parse(raw: &str) -> Option<WebhookEventType> {
    let raw = raw.trim();
    WebhookEventType::iter().find(|t| {
        let wire = wire_name(*t);
        raw == wire || raw == wire.replace('.', "_").to_ascii_uppercase()
    })
}

/// Record that `event_type` happened to `subject_id`, in the causing
/// transaction: one outbox row, fanned out to the subscriptions after
/// commit. Nothing is recorded while no subscription is active.
pub async fn record(
    w: &mut Write<'_>,
    event_type: WebhookEventType,
    subject_id: Uuid,
) -> Result<(), DomainError> {
    let any_active = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::Active.eq(true))
        .one(w.conn())
        .await?
        .is_some();
    if !any_active {
        return Ok(());
    }
    let event = WebhookEvent {
        event_type,
        subject_id,
        occurred_at: w.now(),
    };
    w.emit(topic::WEBHOOK_EVENT, subject_id, &event).await
}

fn money(cents: i64) -> Value {
    json!({
        "amount": crate::rules::money::Money::from_cents(cents).to_string(),
        "currency": "AUD",
    })
}

/// An enum as the API names it (the stored value).
fn name<T: ActiveEnum<Value = String>>(value: T) -> String {
    value.to_value()
}

fn id(id: Uuid) -> Value {
    Value::String(id.to_string())
}

/// The `data` of an event about `subject_id`: the record as it stands now,
/// `None` when it is gone.
pub async fn project<C: ConnectionTrait>(
    conn: &C,
    event_type: WebhookEventType,
    subject_id: Uuid,
) -> Result<Option<Value>, DbErr> {
    Ok(match event_type {
        E::OrderPlaced | E::OrderReserved | E::OrderDelivered => {
            sales_order::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
                .map(|o| order(&o))
        }
        E::InvoiceIssued => tax_invoice::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .map(|i| invoice(&i)),
        E::PaymentCaptured => entity::payment::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .map(|p| payment(&p)),
        E::OrderShipped | E::ShipmentUpdated => shipment::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .map(|s| package(&s)),
        E::ApprovalRequested | E::ApprovalDecided => {
            approval_request::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
                .map(|a| approval(&a))
        }
        E::EngagementStageChanged => engagement::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .map(|e| stage(&e)),
        E::RecallStarted => recall::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .map(|r| recall_data(&r)),
        E::TicketBreached => ticket::Entity::find_by_id(subject_id)
            .one(conn)
            .await?
            .map(|t| ticket_data(&t)),
        E::ClaimLodged | E::ClaimUpdated => {
            match guarantee_claim::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
            {
                Some(c) => Some(claim_data(&c, last_step(conn, c.id).await?)),
                None => None,
            }
        }
        E::ReturnRequested | E::ReturnUpdated => {
            match return_request::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
            {
                Some(r) => Some(return_data(&r, last_step(conn, r.id).await?)),
                None => None,
            }
        }
        E::Test => Some(test_data(subject_id)),
    })
}

/// The `data` of a test delivery to `subscription_id`.
pub fn test_data(subscription_id: Uuid) -> Value {
    json!({
        "subscriptionId": subscription_id.to_string(),
        "message": "A test event from Service Delivery Hub: your endpoint received and can verify it.",
    })
}

/// An order as the API's `Order` shows its main fields.
pub fn order(o: &sales_order::Model) -> Value {
    json!({
        "id": id(o.id),
        "number": o.number,
        "status": name(o.status),
        "customerId": o.customer_id.map(id),
        "channel": name(o.channel),
        "shippingSpeed": name(o.shipping_speed),
        "requiredDeliveryDate": o.required_delivery_date.to_string(),
        "estimatedDelivery": o.estimated_delivery.map(|d| d.to_string()),
        "shipping": money(o.shipping_cents),
        "orderDiscount": money(o.order_discount_cents),
        "total": money(o.total_cents),
        "pricesIncludeGst": o.prices_include_gst,
        "deliveredAt": o.delivered_at,
        "createdAt": o.created_at,
        "version": o.version,
    })
}

fn invoice(i: &tax_invoice::Model) -> Value {
    json!({
        "id": id(i.id),
        "number": i.number,
        "title": i.title,
        "subjectType": i.subject_type,
        "subjectId": id(i.subject_id),
        "customerId": i.customer_id.map(id),
        "issuedOn": i.issued_on.to_string(),
        "issuedAt": i.issued_at,
        "buyerName": i.buyer_name,
        "reference": i.reference,
        "exGst": money(i.ex_gst_cents),
        "gst": money(i.gst_cents),
        "total": money(i.total_cents),
    })
}

fn payment(p: &entity::payment::Model) -> Value {
    json!({
        "id": id(p.id),
        "orderId": id(p.order_id),
        "customerId": p.customer_id.map(id),
        "method": name(p.method),
        "status": name(p.status),
        "amount": money(p.amount_cents),
        "providerReference": p.provider_reference,
        "paidAt": p.paid_at,
        "createdAt": p.created_at,
    })
}

fn package(s: &shipment::Model) -> Value {
    json!({
        "id": id(s.id),
        "number": s.number,
        "orderId": id(s.order_id),
        "stage": name(s.stage),
        "courier": s.courier.map(name),
        "trackingNumber": s.tracking_number,
        "trackingStatus": name(s.tracking_status),
        "subStatus": s.sub_status.map(name),
        "estimatedDelivery": s.estimated_delivery.map(|d| d.to_string()),
        "pickedUpAt": s.picked_up_at,
        "deliveredAt": s.delivered_at,
    })
}

fn approval(a: &approval_request::Model) -> Value {
    json!({
        "id": id(a.id),
        "kind": name(a.kind),
        "subjectType": a.subject_type,
        "subjectId": id(a.subject_id),
        "status": name(a.status),
        "amount": a.amount_cents.map(money),
        "reason": a.reason,
        "awaitingRole": a.awaiting_role.map(|r| r.as_str()),
        "dueAt": a.due_at,
        "createdAt": a.created_at,
        "closedAt": a.closed_at,
    })
}

fn stage(e: &engagement::Model) -> Value {
    json!({
        "id": id(e.id),
        "number": e.number,
        "name": e.name,
        "customerId": id(e.customer_id),
        "status": name(e.status),
        "stageIndex": e.stage_index,
        "round": e.round,
        "stageStartedAt": e.stage_started_at,
        "stageDueAt": e.stage_due_at,
    })
}

fn recall_data(r: &recall::Model) -> Value {
    json!({
        "id": id(r.id),
        "number": r.number,
        "productId": id(r.product_id),
        "status": name(r.status),
        "defect": r.defect,
        "hazard": r.hazard,
        "customerAction": r.customer_action,
        "remedy": r.remedy,
        "startedOn": r.started_on.to_string(),
    })
}

fn ticket_data(t: &ticket::Model) -> Value {
    json!({
        "id": id(t.id),
        "number": t.number,
        "customerId": id(t.customer_id),
        "subject": t.subject,
        "priority": name(t.priority),
        "status": name(t.status),
        "orderId": t.order_id.map(id),
        "engagementId": t.engagement_id.map(id),
        "createdAt": t.created_at,
    })
}

/// The newest step of a claim or return (its wire name, e.g. `claim.remedied`).
async fn last_step<C: ConnectionTrait>(
    conn: &C,
    subject_id: Uuid,
) -> Result<Option<String>, DbErr> {
    Ok(remedy_step::Entity::find()
        .filter(remedy_step::Column::SubjectId.eq(subject_id))
        .order_by_desc(remedy_step::Column::At)
        .order_by_desc(remedy_step::Column::Id)
        .one(conn)
        .await?
        .map(|s| s.step))
}

fn claim_data(c: &guarantee_claim::Model, last_step: Option<String>) -> Value {
    json!({
        "id": id(c.id),
        "number": c.number,
        "customerId": c.customer_id.map(id),
        "supply": name(c.supply),
        "orderId": c.order_id.map(id),
        "orderLineId": c.order_line_id.map(id),
        "engagementId": c.engagement_id.map(id),
        "quantity": c.quantity,
        "guarantee": name(c.guarantee),
        "status": name(c.status),
        "severity": c.severity.map(name),
        "remedy": c.remedy.map(name),
        "remedyAmount": c.remedy_amount_cents.map(money),
        "remedyDueAt": c.remedy_due_at,
        "remedyChosenAt": c.remedy_chosen_at,
        "remedyNote": c.remedy_note,
        "remediedAt": c.remedied_at,
        "createdAt": c.created_at,
        "lastStep": last_step,
    })
}

fn return_data(r: &return_request::Model, last_step: Option<String>) -> Value {
    json!({
        "id": id(r.id),
        "number": r.number,
        "orderId": id(r.order_id),
        "customerId": r.customer_id.map(id),
        "reason": name(r.reason),
        "resolution": name(r.resolution),
        "status": name(r.status),
        "decisionReason": r.decision_reason,
        "decidedAt": r.decided_at,
        "receivedAt": r.received_at,
        "completedAt": r.completed_at,
        "createdAt": r.created_at,
        "lastStep": last_step,
    })
}

/// The body sent on every attempt: `{"type","timestamp","data"}`.
pub fn body(event_type: WebhookEventType, occurred_at: DateTime<Utc>, data: Value) -> String {
    #[derive(Serialize)]
    struct Body {
        #[serde(rename = "type")]
        kind: String,
        timestamp: String,
        data: Value,
    }
    let body = Body {
        kind: wire_name(event_type),
        timestamp: occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        data,
    };
    serde_json::to_string(&body).expect("a webhook body is plain data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_read_by_enum_or_wire_name_and_nothing_else() {
        assert_eq!(parse("ORDER_PLACED"), Some(E::OrderPlaced));
        assert_eq!(parse("order.placed"), Some(E::OrderPlaced));
        assert_eq!(
            parse("engagement.stage_changed"),
            Some(E::EngagementStageChanged)
        );
        assert_eq!(
            parse("ENGAGEMENT_STAGE_CHANGED"),
            Some(E::EngagementStageChanged)
        );
        assert_eq!(parse("webhook.test"), Some(E::Test));
        for bad in ["order.exploded", "Order.Placed", "", "ORDER.PLACED"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_event_type_is_described_and_named_uniquely() {
        let names: std::collections::HashSet<String> =
            catalogue().into_iter().map(wire_name).collect();
        assert_eq!(names.len(), catalogue().len());
        assert!(catalogue().iter().all(|t| description(*t).contains("data")));
    }

    #[test]
    fn the_body_carries_type_time_and_data() {
        let at = "2026-11-23T00:00:00Z".parse().unwrap();
        let body = body(E::OrderPlaced, at, json!({"id": "x"}));
        assert_eq!(
            body,
            r#"{"type":"order.placed","timestamp":"2026-11-23T00:00:00Z","data":{"id":"x"}}"#
        );
    }
}
