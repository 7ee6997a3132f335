//! Support tickets through GraphQL and the worker: a customer opens a
//! ticket and is emailed; staff reply (emailed) and write internal notes
//! (never shown to the customer, never emailed); waiting, resolving,
//! reopening on a reply within the window and closing once it ends; a
//! message on a closed ticket refused with nothing written; another
//! customer's ticket NOT_FOUND; bad input with its codes. SLA due times
//! are proved in `sla_due_times`, attainment in `sla_report`.

use chrono::Duration as Days;
use entity::NotificationKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;
use tests::shop::op;
use tests::{Caller, Op, Role, TestApp, input_error, nodes, user_errors, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

const TICKET_FIELDS: &str = "id number customerId subject description priority category orderId engagementId assigneeId status firstResponseAt resolvedAt closedAt version slaPolicyName messages { id fromStaff internal body } history { kind status priority at }";

fn open_op() -> Op {
    mutation("openTicket", "OpenTicketInput")
}

fn mutation(field: &'static str, input: &str) -> Op {
    op(
        field,
        Box::leak(
            format!("mutation($input: {input}!) {{ {field}(input: $input) {{ ticket {{ {TICKET_FIELDS} }} userErrors {{ field code message }} }} }}")
                .into_boxed_str(),
        ),
    )
}

fn ticket_query() -> Op {
    op(
        "ticket",
        Box::leak(
            format!("query($id: ID!) {{ ticket(id: $id) {{ {TICKET_FIELDS} }} }}").into_boxed_str(),
        ),
    )
}

/// `who` writes on a ticket (`replyToTicket` with `input`): the payload.
async fn reply(who: &Caller<'_>, input: Value) -> Value {
    who.data(
        mutation("replyToTicket", "ReplyToTicketInput"),
        json!({ "input": input }),
    )
    .await
}

/// `who` moves ticket `id` (at `version`) to `status`: the payload.
async fn set_status(who: &Caller<'_>, id: &str, status: &str, version: i64) -> Value {
    who.data(
        mutation("changeTicketStatus", "ChangeTicketStatusInput"),
        json!({ "input": { "ticketId": id, "status": status, "expectedVersion": version } }),
    )
    .await
}

tests::op_const!(TICKETS = "tickets": "query($filter: TicketFilter) { tickets(first: 50, filter: $filter) { edges { node { id number status } } } }");

async fn message_count(app: &TestApp) -> u64 {
    entity::ticket_message::Entity::find()
        .count(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_ticket_is_opened_answered_waited_on_resolved_reopened_and_closed_with_its_emails() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let customer = app
        .customer_named("Harbour Bakery", "owner@harbourbakery.com.au")
        .await;
    let me = app.as_customer(&customer);
    let opened = me
        .accepted(
            open_op(),
            json!({ "input": {
                "subject": "Oven door won't close",
                "description": "Since the install the door springs open.\nPlease help.",
                "priority": "HIGH",
                "category": "installation"
            }}),
        )
        .await;
    let ticket = opened["ticket"].clone();
    assert_eq!(ticket["number"], "TKT-000001");
    assert_eq!(ticket["status"], "NEW");
    assert_eq!(ticket["priority"], "HIGH");
    assert_eq!(ticket["customerId"], customer.as_str());
    assert!(
        ticket["slaPolicyName"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{ticket}"
    );
    assert_eq!(ticket["history"][0]["kind"], "CREATED");
    let id = ticket["id"].as_str().unwrap().to_owned();
    app.emailed_once_to(
        NotificationKind::TicketOpened,
        &id,
        "owner@harbourbakery.com.au",
    )
    .await;

    // Staff answer: a response (emailed), the ticket opens.
    let staff = app.as_role(Role::DeliveryTeam);
    let replied = reply(
        &staff,
        json!({ "ticketId": id, "body": "We'll send a technician. Is Tuesday OK?" }),
    )
    .await;
    assert!(user_errors(&replied).is_empty(), "{replied}");
    let t = &replied["ticket"];
    assert_eq!(t["status"], "OPEN");
    assert!(t["firstResponseAt"].is_string(), "{t}");
    let first_response_at = t["firstResponseAt"].clone();
    let reply_id = t["messages"][0]["id"].as_str().unwrap().to_owned();
    let kinds = tests::strings(&t["history"], "kind");
    assert_eq!(kinds, ["CREATED", "STAFF_REPLY", "STATUS"]);
    app.emailed_once_to(
        NotificationKind::TicketReply,
        &reply_id,
        "owner@harbourbakery.com.au",
    )
    .await;

    // An internal note: staff see it, the customer never does, nobody is emailed.
    let noted = reply(
        &staff,
        json!({ "ticketId": id, "body": "Customer is on the slow list.", "internal": true }),
    )
    .await;
    assert!(user_errors(&noted).is_empty(), "{noted}");
    let note = &noted["ticket"]["messages"][1];
    assert_eq!(note["internal"], true);
    let note_id = note["id"].as_str().unwrap().to_owned();
    assert_eq!(
        noted["ticket"]["firstResponseAt"], first_response_at,
        "a note is no response"
    );
    let seen = me.data(ticket_query(), json!({ "id": id })).await;
    let bodies = tests::strings(&seen["messages"], "body");
    assert_eq!(
        bodies,
        ["We'll send a technician. Is Tuesday OK?"],
        "{seen}"
    );
    let customer_note = me
        .run(
            mutation("replyToTicket", "ReplyToTicketInput"),
            json!({ "input": { "ticketId": id, "body": "sneaky", "internal": true } }),
        )
        .await;
    assert_eq!(
        tests::error_code(&customer_note).as_deref(),
        Some("FORBIDDEN"),
        "{customer_note}"
    );

    // Waiting on the customer; their reply opens it again.
    let version = noted["ticket"]["version"].as_i64().unwrap();
    let waiting = set_status(&staff, &id, "WAITING_ON_CUSTOMER", version).await;
    assert_eq!(
        waiting["ticket"]["status"], "WAITING_ON_CUSTOMER",
        "{waiting}"
    );
    let stale = set_status(&staff, &id, "RESOLVED", version).await;
    assert_eq!(
        user_errors(&stale),
        [input_error("expectedVersion", "CONFLICT")]
    );
    let answered = reply(&me, json!({ "ticketId": id, "body": "Tuesday is fine." })).await;
    assert_eq!(answered["ticket"]["status"], "OPEN", "{answered}");

    // Resolved: the customer is told what a reply within the window does.
    let version = answered["ticket"]["version"].as_i64().unwrap();
    let resolved = set_status(&staff, &id, "RESOLVED", version).await;
    assert_eq!(resolved["ticket"]["status"], "RESOLVED", "{resolved}");
    let step = resolved_step(&app, &id).await;
    app.emailed_once_to(
        NotificationKind::TicketResolved,
        &step,
        "owner@harbourbakery.com.au",
    )
    .await;

    // A reply six days later reopens it.
    app.clock.advance(Days::days(6));
    let reopened = reply(
        &me,
        json!({ "ticketId": id, "body": "It sprang open again." }),
    )
    .await;
    assert_eq!(reopened["ticket"]["status"], "OPEN", "{reopened}");
    assert!(reopened["ticket"]["resolvedAt"].is_null());

    // Resolved again; eight days on it closes by itself.
    let version = reopened["ticket"]["version"].as_i64().unwrap();
    let resolved = set_status(&staff, &id, "RESOLVED", version).await;
    assert_eq!(resolved["ticket"]["status"], "RESOLVED", "{resolved}");
    app.clock.advance(Days::days(8));
    wait_for(
        "the ticket closed after its reopen window",
        PATIENCE,
        async || me.data(ticket_query(), json!({ "id": id })).await["status"] == "CLOSED",
    )
    .await;

    // Closed is final: a message is refused and nothing is written.
    let before = message_count(&app).await;
    for (who, body) in [(&me, "Hello?"), (&staff, "Following up")] {
        let refused = reply(who, json!({ "ticketId": id, "body": body })).await;
        assert_eq!(
            user_errors(&refused),
            [input_error("ticketId", "ILLEGAL_TRANSITION")],
            "{refused}"
        );
    }
    assert_eq!(message_count(&app).await, before);
    // Internal notes were never emailed.
    assert!(
        app.notifications_of(NotificationKind::TicketReply, &note_id)
            .await
            .is_empty()
    );
    let actions = app.audit_actions(&id).await;
    assert!(actions.contains(&"ticket.opened".to_owned()), "{actions:?}");
    assert!(actions.contains(&"ticket.closed".to_owned()), "{actions:?}");
}

/// The id of the latest STATUS step to RESOLVED of a ticket.
async fn resolved_step(app: &TestApp, ticket: &str) -> String {
    entity::ticket_event::Entity::find()
        .filter(entity::ticket_event::Column::TicketId.eq(uuid::Uuid::parse_str(ticket).unwrap()))
        .filter(entity::ticket_event::Column::Kind.eq(entity::TicketEventKind::Status))
        .filter(entity::ticket_event::Column::Status.eq(entity::TicketStatus::Resolved))
        .all(app.db())
        .await
        .unwrap()
        .last()
        .expect("a resolution")
        .id
        .to_string()
}

#[tokio::test]
async fn another_customers_ticket_is_not_found_and_bad_input_is_refused_with_codes() {
    let app = TestApp::spawn().await;
    let ana = app.customer_named("Ana", "ana@example.com.au").await;
    let bo = app.customer_named("Bo", "bo@example.com.au").await;
    let opened = app
        .as_role(Role::ProjectManager)
        .accepted(
            open_op(),
            json!({ "input": { "customerId": ana, "subject": "Invoice question", "description": "Why GST?", "priority": "LOW", "category": "billing" } }),
        )
        .await;
    let id = opened["ticket"]["id"].as_str().unwrap().to_owned();

    let bob = app.as_customer(&bo);
    assert_eq!(
        bob.data(ticket_query(), json!({ "id": id })).await,
        Value::Null
    );
    assert!(nodes(&bob.data(TICKETS, json!({})).await).is_empty());
    const NODE: Op = Op {
        field: "node",
        document: "query($id: ID!) { node(id: $id) { id ... on Ticket { number } } }",
    };
    assert_eq!(bob.data(NODE, json!({ "id": id })).await, Value::Null);
    let refetched = app.as_customer(&ana).data(NODE, json!({ "id": id })).await;
    assert_eq!(refetched["number"], "TKT-000001", "{refetched}");
    let before = message_count(&app).await;
    let refused = reply(&bob, json!({ "ticketId": id, "body": "mine now" })).await;
    assert_eq!(
        user_errors(&refused),
        [input_error("ticketId", "NOT_FOUND")]
    );
    assert_eq!(message_count(&app).await, before);
    // A customer cannot open one for someone else either.
    bob
        .refused(
            open_op(),
            json!({ "input": { "customerId": ana, "subject": "x", "description": "y", "priority": "LOW", "category": "z" } }),
            "customerId",
            "NOT_FOUND",
        )
        .await;
    // Ana sees hers.
    let mine = nodes(&app.as_customer(&ana).data(TICKETS, json!({})).await);
    assert_eq!(mine.len(), 1);

    // Every field error at once; nothing written.
    let tickets_before = app.count(entity::ticket::Entity).await;
    let bad = app
        .as_customer(&ana)
        .data(
            open_op(),
            json!({ "input": { "subject": "  ", "description": "", "priority": "HIGH", "category": "", "orderId": uuid::Uuid::now_v7().to_string() } }),
        )
        .await;
    let mut errors = user_errors(&bad);
    errors.sort();
    assert_eq!(
        errors,
        [
            input_error("category", "REQUIRED"),
            input_error("description", "REQUIRED"),
            input_error("orderId", "NOT_FOUND"),
            input_error("subject", "REQUIRED"),
        ]
    );
    // "services" about an order is the category of the ticket its payment
    // opens (resolving that one delivers the order).
    let reserved = app
        .as_customer(&ana)
        .data(
            open_op(),
            json!({ "input": { "subject": "Installer?", "description": "When?", "priority": "LOW", "category": " Services ", "orderId": uuid::Uuid::now_v7().to_string() } }),
        )
        .await;
    let mut errors = user_errors(&reserved);
    errors.sort();
    assert_eq!(
        errors,
        [
            input_error("category", "INVALID_STATE"),
            input_error("orderId", "NOT_FOUND"),
        ]
    );
    // An unknown priority is not a value of the enum: a bad request.
    let unknown = app
        .as_customer(&ana)
        .run(
            open_op(),
            json!({ "input": { "subject": "s", "description": "d", "priority": "URGENT", "category": "c" } }),
        )
        .await;
    assert!(unknown.get("errors").is_some(), "{unknown}");
    assert_eq!(app.count(entity::ticket::Entity).await, tickets_before);
    // Customers do not move tickets.
    let moved = app
        .as_customer(&ana)
        .run(
            mutation("changeTicketStatus", "ChangeTicketStatusInput"),
            json!({ "input": { "ticketId": id, "status": "CLOSED", "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(
        tests::error_code(&moved).as_deref(),
        Some("FORBIDDEN"),
        "{moved}"
    );
}
