//! A ticket's emails to its customer (DESIGN "Support tickets and SLAs"):
//! on opening (about the ticket), on each staff reply (about the message)
//! and on resolution (about the resolving history step), so each is sent
//! once however often the event is handled. Internal notes are never
//! emailed: the domain emits nothing for them. Staff hear of SLA warnings
//! and breaches (about the alarm row, so each is sent once).

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::platform::notifications::NotificationKind;
use domain::support::{self, TicketNotice};
use uuid::Uuid;

/// Email a ticket's customer `kind` about `subject_id` (nothing when the
/// ticket is gone or its customer has no address).
async fn tell_customer(
    deps: &Deps,
    kind: NotificationKind,
    notice: TicketNotice,
    subject_id: Uuid,
) -> Result<(), BoxDynError> {
    let ticket_id = notice.ticket_id;
    let Some(found) = support::find(&deps.db, ticket_id).await? else {
        tracing::warn!(%ticket_id, "ticket of a ticket event not found");
        return Ok(());
    };
    let Some(email) = support::customer_address(&deps.db, &found).await? else {
        tracing::info!(%ticket_id, ?kind, "the ticket's customer has no email address; not told");
        return Ok(());
    };
    email_each(deps, kind, subject_id, &[email]).await
}

/// A ticket was opened (subject: the ticket).
pub async fn opened(deps: &Deps, ticket_id: Uuid, notice: TicketNotice) -> Result<(), BoxDynError> {
    tell_customer(deps, NotificationKind::TicketOpened, notice, ticket_id).await
}

/// Staff replied (subject: the message; never an internal note).
pub async fn replied(
    deps: &Deps,
    message_id: Uuid,
    notice: TicketNotice,
) -> Result<(), BoxDynError> {
    match support::message(&deps.db, message_id).await? {
        Some(m) if m.from_staff && !m.internal => {}
        _ => {
            tracing::warn!(%message_id, "a ticket reply event without a staff reply; not emailed");
            return Ok(());
        }
    }
    tell_customer(deps, NotificationKind::TicketReply, notice, message_id).await
}

/// A ticket was resolved (subject: the resolving history step).
pub async fn resolved(
    deps: &Deps,
    event_id: Uuid,
    notice: TicketNotice,
) -> Result<(), BoxDynError> {
    tell_customer(deps, NotificationKind::TicketResolved, notice, event_id).await
}

/// A ticket's SLA warning or breach was recorded (subject: the alarm row):
/// email those it names, once each.
pub async fn sla_alarm(deps: &Deps, alarm_id: Uuid) -> Result<(), BoxDynError> {
    let Some(alarm) = support::alarms::find_alarm(&deps.db, alarm_id).await? else {
        tracing::warn!(%alarm_id, "SLA alarm not found; nobody told");
        return Ok(());
    };
    let to = support::alarms::recipients_of(&alarm)?;
    if to.is_empty() {
        tracing::warn!(%alarm_id, ticket_id = %alarm.ticket_id, "no staff login to tell of an SLA alarm");
    }
    let kind = match alarm.alarm {
        entity::SlaAlarmKind::Warning => NotificationKind::TicketSlaWarning,
        entity::SlaAlarmKind::Breach => NotificationKind::TicketSlaBreached,
    };
    email_each(deps, kind, alarm_id, &to).await
}
