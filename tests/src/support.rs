//! Support tickets and their SLA clocks through GraphQL: opening a ticket
//! at the controllable clock's now, answering and moving it as staff, and
//! reading each SLA target's due time.

use crate::shop::op;
use crate::{Op, Role, TestApp, with_fields};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// What the helpers read of a ticket.
const TICKET: &str = "id number status priority version firstResponseAt resolvedAt";

fn mutation(field: &'static str, input: &str) -> Op {
    op(
        field,
        Box::leak(
            format!("mutation($input: {input}!) {{ {field}(input: $input) {{ ticket {{ {TICKET} }} userErrors {{ field code message }} }} }}")
                .into_boxed_str(),
        ),
    )
}

/// A ticket's SLA targets, as staff read them.
pub const SLA: Op = Op {
    field: "ticket",
    document: "query($id: ID!) { ticket(id: $id) { slaPolicyName slaTargets { kind dueAt state remainingMinutes } } }",
};

/// Open a ticket of `priority` for `customer` as staff at the clock's now;
/// the ticket (`id number status priority version firstResponseAt
/// resolvedAt`).
pub async fn open_ticket(app: &TestApp, customer: &str, priority: &str) -> Value {
    open_ticket_with(app, json!({ "customerId": customer, "priority": priority })).await
}

/// Open a ticket as staff at the clock's now with `fields` (at least
/// `customerId` and `priority`; e.g. `engagementId`) over a subject,
/// description and category of its own; the ticket as [`open_ticket`].
pub async fn open_ticket_with(app: &TestApp, fields: Value) -> Value {
    let input = with_fields(
        json!({ "subject": "Till offline", "description": "The till is offline.", "category": "hardware" }),
        &fields,
    );
    let opened = app
        .as_role(Role::DeliveryTeam)
        .accepted(
            mutation("openTicket", "OpenTicketInput"),
            json!({ "input": input }),
        )
        .await;
    opened["ticket"].clone()
}

/// Open a ticket of `priority` for `customer` as staff at the clock's now;
/// its id.
pub async fn open_at(app: &TestApp, customer: &str, priority: &str) -> String {
    open_ticket(app, customer, priority).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A staff reply on ticket `id` at the clock's now (a response); the ticket
/// after it.
pub async fn staff_reply(app: &TestApp, id: &str) -> Value {
    let replied = app
        .as_role(Role::DeliveryTeam)
        .accepted(
            mutation("replyToTicket", "ReplyToTicketInput"),
            json!({ "input": { "ticketId": id, "body": "On it." } }),
        )
        .await;
    replied["ticket"].clone()
}

/// Move ticket `id` (at `version`) to `status` as staff at the clock's now;
/// the ticket after it.
pub async fn change_status(app: &TestApp, id: &str, status: &str, version: i64) -> Value {
    let moved = app
        .as_role(Role::DeliveryTeam)
        .accepted(
            mutation("changeTicketStatus", "ChangeTicketStatusInput"),
            json!({ "input": { "ticketId": id, "status": status, "expectedVersion": version } }),
        )
        .await;
    moved["ticket"].clone()
}

/// Resolve `ticket` (at the version it shows) as staff at the clock's now.
pub async fn resolve(app: &TestApp, ticket: &Value) -> Value {
    let id = ticket["id"].as_str().unwrap();
    let version = ticket["version"].as_i64().unwrap();
    change_status(app, id, "RESOLVED", version).await
}

/// The due time (UTC, RFC 3339; `-` when none) of each SLA target of a
/// ticket, by kind.
pub async fn due_times(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let t = app.admin().data(SLA, json!({ "id": id })).await;
    t["slaTargets"]
        .as_array()
        .unwrap_or_else(|| panic!("{t}"))
        .iter()
        .map(|target| {
            (
                target["kind"].as_str().unwrap().to_owned(),
                target["dueAt"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

/// The due time of target `kind` among `times`.
pub fn due(times: &[(String, String)], kind: &str) -> DateTime<Utc> {
    let (_, at) = times
        .iter()
        .find(|(k, _)| k == kind)
        .unwrap_or_else(|| panic!("no {kind} in {times:?}"));
    DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|e| panic!("{kind} due {at}: {e}"))
        .with_timezone(&Utc)
}

/// An RFC 3339 instant with its offset (a Sydney wall-clock time, e.g.
/// `2026-12-04T16:00:00+11:00`) as UTC.
pub fn sydney(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}
