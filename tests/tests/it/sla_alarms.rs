//! SLA warnings and breaches through the worker (issue 30): a HIGH ticket's
//! assignee is warned 15 business minutes before its first response is
//! due and the policy's role (ADMIN) is told at breach, each exactly once
//! with two workers sweeping, however the ticket changes afterwards; a
//! staff reply before the warning cancels the first response's alarms.

use entity::{
    NotificationKind, NotificationStatus, SlaAlarmKind, SlaTargetKind, TimerStatus,
    ticket_sla_alarm, timer,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use serde_json::json;
use std::time::Duration;
use tests::engagements::staff;
use tests::shop::op;
use tests::support::{open_ticket, staff_reply, sydney as at};
use tests::{Role, TestApp, eml_files, wait_for, wait_for_value};

const PATIENCE: Duration = Duration::from_secs(60);

const ASSIGNEE: &str = "sam@harbour.example.com.au";
const BOSS: &str = "boss@harbour.example.com.au";

/// A HIGH ticket opened at the test epoch (Monday 23 November 2026, 10:00
/// Sydney) for a new customer and assigned to a new DELIVERY_TEAM login;
/// (ticket id, number).
async fn assigned_high_ticket(app: &TestApp) -> (String, String) {
    let sam = staff(app, ASSIGNEE, "DELIVERY_TEAM").await;
    let customer = app
        .customer_named("Harbour Bakery", "owner@harbourbakery.com.au")
        .await;
    let ticket = open_ticket(app, &customer, "HIGH").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let assigned = app
        .as_role(Role::DeliveryTeam)
        .accepted(
            op(
                "assignTicket",
                "mutation($input: AssignTicketInput!) { assignTicket(input: $input) { ticket { assigneeId } userErrors { field code message } } }",
            ),
            json!({ "input": { "ticketId": id, "assigneeId": sam, "expectedVersion": ticket["version"] } }),
        )
        .await;
    assert_eq!(assigned["ticket"]["assigneeId"], sam.as_str());
    (id, ticket["number"].as_str().unwrap().to_owned())
}

/// The alarms told about a ticket, oldest first.
async fn alarms(app: &TestApp, ticket: &str) -> Vec<ticket_sla_alarm::Model> {
    ticket_sla_alarm::Entity::find()
        .filter(ticket_sla_alarm::Column::TicketId.eq(uuid::Uuid::parse_str(ticket).unwrap()))
        .order_by_asc(ticket_sla_alarm::Column::SentAt)
        .all(app.db())
        .await
        .unwrap()
}

/// The one alarm of `target` and `alarm` told about a ticket, once it is.
async fn alarm_told(
    app: &TestApp,
    ticket: &str,
    target: SlaTargetKind,
    alarm: SlaAlarmKind,
) -> ticket_sla_alarm::Model {
    wait_for_value(
        &format!("the {target} {alarm} alarm"),
        PATIENCE,
        async || {
            let told: Vec<_> = alarms(app, ticket)
                .await
                .into_iter()
                .filter(|a| a.target == target && a.alarm == alarm)
                .collect();
            assert!(told.len() <= 1, "told once: {told:?}");
            told.into_iter().next()
        },
    )
    .await
}

/// Wait until the `kind` email about `alarm` is SENT to each of `to` (and
/// to nobody else).
async fn sent_to(
    app: &TestApp,
    kind: NotificationKind,
    alarm: &ticket_sla_alarm::Model,
    to: &[&str],
) {
    let subject = alarm.id.to_string();
    wait_for(
        &format!("the {kind:?} emails to {to:?}"),
        PATIENCE,
        async || {
            let rows = app.notifications_of(kind, &subject).await;
            let mut recipients: Vec<&str> = rows.iter().map(|n| n.recipient.as_str()).collect();
            recipients.sort();
            let mut wanted = to.to_vec();
            wanted.sort();
            assert!(rows.len() <= to.len(), "once each: {rows:?}");
            recipients == wanted && rows.iter().all(|n| n.status == NotificationStatus::Sent)
        },
    )
    .await;
}

/// The `.eml` files whose subject starts with `prefix`.
fn emails_titled(app: &TestApp, prefix: &str) -> Vec<(String, String)> {
    eml_files(&app.mail_dir())
        .into_iter()
        .filter_map(|f| {
            let raw = std::fs::read(f).unwrap();
            let message = mail_parser::MessageParser::default().parse(&raw)?;
            let title = message.subject()?.to_owned();
            let to = message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned();
            title.starts_with(prefix).then_some((title, to))
        })
        .collect()
}

/// The timers about a ticket, to narrow.
fn timers_about(ticket: &str) -> Select<timer::Entity> {
    timer::Entity::find()
        .filter(timer::Column::SubjectId.eq(uuid::Uuid::parse_str(ticket).unwrap()))
}

/// The ticket's SLA alarm timers of `target`.
async fn timers_of(app: &TestApp, ticket: &str, target: &str) -> Vec<timer::Model> {
    timers_about(ticket)
        .filter(timer::Column::Kind.like(format!("ticket_sla_%.{target}")))
        .all(app.db())
        .await
        .unwrap()
}

/// Asserts that every SLA alarm timer of the ticket's `target` was
/// cancelled.
async fn assert_timers_cancelled(app: &TestApp, ticket: &str, target: &str) {
    let timers = timers_of(app, ticket, target).await;
    assert!(
        timers.iter().all(|t| t.status == TimerStatus::Cancelled),
        "{timers:?}"
    );
}

#[tokio::test]
async fn warning_and_breach_emails_arrive_once_each_with_two_workers() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let _second = app.start_worker().await;
    staff(&app, BOSS, "ADMIN").await;
    let admins = domain::users::emails_of_role(app.db(), entity::Role::Admin)
        .await
        .unwrap();
    assert!(admins.contains(&BOSS.to_owned()), "{admins:?}");
    let admins: Vec<&str> = admins.iter().map(String::as_str).collect();
    let (id, number) = assigned_high_ticket(&app).await;

    // Due at 14:00 (4 business hours): the assignee is warned at 13:45,
    // with 15 minutes left.
    app.clock.set(at("2026-11-23T13:45:00+11:00"));
    let warning = alarm_told(
        &app,
        &id,
        SlaTargetKind::FirstResponse,
        SlaAlarmKind::Warning,
    )
    .await;
    assert_eq!(warning.cycle, 0);
    assert_eq!(warning.due_at, at("2026-11-23T14:00:00+11:00"));
    sent_to(
        &app,
        NotificationKind::TicketSlaWarning,
        &warning,
        &[ASSIGNEE],
    )
    .await;

    // At breach ADMIN hears of it.
    app.clock.set(at("2026-11-23T14:00:00+11:00"));
    let breach = alarm_told(
        &app,
        &id,
        SlaTargetKind::FirstResponse,
        SlaAlarmKind::Breach,
    )
    .await;
    sent_to(&app, NotificationKind::TicketSlaBreached, &breach, &admins).await;

    // Later the ticket changes (an internal note, no response): its alarms
    // are planned again, yet the first response is not told twice.
    app.clock.set(at("2026-11-23T16:00:00+11:00"));
    app.as_role(Role::DeliveryTeam)
        .accepted(
            op(
                "replyToTicket",
                "mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ticket { id } userErrors { field code message } } }",
            ),
            json!({ "input": { "ticketId": id, "body": "Chasing the technician.", "internal": true } }),
        )
        .await;
    let first_response = timers_of(&app, &id, "first_response").await;
    assert!(
        first_response
            .iter()
            .all(|t| t.status != TimerStatus::Planned),
        "nothing more planned for the first response: {first_response:?}"
    );
    // The sweep goes on past it: the resolution's warning (16 business
    // hours: Wednesday 10:00, warned 9:45) is the next thing told.
    app.clock.set(at("2026-11-25T09:50:00+11:00"));
    let resolution = alarm_told(&app, &id, SlaTargetKind::Resolution, SlaAlarmKind::Warning).await;
    sent_to(
        &app,
        NotificationKind::TicketSlaWarning,
        &resolution,
        &[ASSIGNEE],
    )
    .await;
    let told: Vec<_> = alarms(&app, &id)
        .await
        .into_iter()
        .map(|a| (a.target, a.alarm, a.cycle))
        .collect();
    assert_eq!(
        told,
        [
            (SlaTargetKind::FirstResponse, SlaAlarmKind::Warning, 0),
            (SlaTargetKind::FirstResponse, SlaAlarmKind::Breach, 0),
            (SlaTargetKind::Resolution, SlaAlarmKind::Warning, 0),
        ]
    );
    assert_eq!(
        app.notifications_of(NotificationKind::TicketSlaWarning, &warning.id.to_string())
            .await
            .len(),
        1
    );
    assert_eq!(
        app.notifications_of(NotificationKind::TicketSlaBreached, &breach.id.to_string())
            .await
            .len(),
        admins.len()
    );
    // One email file each.
    let warned = emails_titled(&app, &format!("{number}: first response due in"));
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].1, ASSIGNEE);
    assert!(warned[0].0.contains("15 minutes"), "{warned:?}");
    let breached = emails_titled(&app, &format!("{number}: first response SLA breached"));
    assert_eq!(breached.len(), admins.len(), "{breached:?}");
    assert!(breached.iter().any(|(_, to)| to == BOSS), "{breached:?}");
    let audit = app.audit_actions(&id).await;
    assert_eq!(
        audit.iter().filter(|a| *a == "ticket.sla_warning").count(),
        2
    );
    assert_eq!(
        audit.iter().filter(|a| *a == "ticket.sla_breached").count(),
        1
    );
}

#[tokio::test]
async fn a_staff_reply_before_the_warning_cancels_the_first_responses_alarms() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (id, _) = assigned_high_ticket(&app).await;
    let planned = timers_of(&app, &id, "first_response").await;
    assert_eq!(
        planned
            .iter()
            .filter(|t| t.status == TimerStatus::Planned)
            .count(),
        2,
        "a warning and a breach: {planned:?}"
    );

    // Answered at 11:00: the first response is met, the next update runs
    // (due 15:00, warned 14:45).
    app.clock.set(at("2026-11-23T11:00:00+11:00"));
    staff_reply(&app, &id).await;
    assert_timers_cancelled(&app, &id, "first_response").await;

    // Past both: the next update's warning is told, the first response never.
    app.clock.set(at("2026-11-23T14:50:00+11:00"));
    let next = alarm_told(&app, &id, SlaTargetKind::NextUpdate, SlaAlarmKind::Warning).await;
    assert_eq!(next.cycle, 1, "after the first staff reply");
    assert_eq!(next.due_at, at("2026-11-23T15:00:00+11:00"));
    sent_to(&app, NotificationKind::TicketSlaWarning, &next, &[ASSIGNEE]).await;
    assert!(
        alarms(&app, &id)
            .await
            .iter()
            .all(|a| a.target != SlaTargetKind::FirstResponse)
    );
    assert_timers_cancelled(&app, &id, "first_response").await;
}

/// The planned timer of `kind` about a ticket, if any.
async fn planned(app: &TestApp, kind: &str, ticket: &str) -> Option<timer::Model> {
    timers_about(ticket)
        .filter(timer::Column::Kind.eq(kind))
        .filter(timer::Column::Status.eq(TimerStatus::Planned))
        .one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn removing_a_public_holiday_brings_the_alarms_of_open_tickets_forward() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    // Thursday 24 December 2026, 16:00: one business hour that day; Friday
    // 25 (Christmas), the weekend and Monday 28 (the additional day for
    // Boxing Day) are closed, so 4 business hours end Tuesday 29 at 12:00
    // and the warning (15 minutes before) is 11:45.
    app.clock.set(at("2026-12-24T16:00:00+11:00"));
    let customer = app
        .admin()
        .new_customer(
            json!({ "name": "Holiday Hampers", "email": "orders@hampers.example.com.au" }),
        )
        .await;
    let ticket = open_ticket(&app, &customer, "HIGH").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let warning = "ticket_sla_warning.first_response";
    let breach = "ticket_sla_breach.first_response";
    assert_eq!(
        planned(&app, warning, &id).await.map(|t| t.due_at),
        Some(at("2026-12-29T11:45:00+11:00"))
    );
    assert_eq!(
        planned(&app, breach, &id).await.map(|t| t.due_at),
        Some(at("2026-12-29T12:00:00+11:00"))
    );

    // The business opens on Monday 28 after all: both alarms move a day
    // earlier without the ticket changing.
    app.admin()
        .accepted(
            op(
                "removePublicHoliday",
                "mutation($input: RemovePublicHolidayInput!) { removePublicHoliday(input: $input) { userErrors { code message } } }",
            ),
            json!({ "input": { "date": "2026-12-28" } }),
        )
        .await;
    wait_for("the warning re-planned for Monday", PATIENCE, async || {
        planned(&app, warning, &id).await.map(|t| t.due_at) == Some(at("2026-12-28T11:45:00+11:00"))
    })
    .await;
    assert_eq!(
        planned(&app, breach, &id).await.map(|t| t.due_at),
        Some(at("2026-12-28T12:00:00+11:00"))
    );
}
