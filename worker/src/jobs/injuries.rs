//! A mandatory injury report's deadline emails to staff (timers planned by
//! `domain::safety::injuries`): the reminder to COMPLIANCE and the overdue
//! escalation to ADMIN. Each is about the report, so each recipient hears
//! of each once, however often the timer's row is handled; a report
//! submitted meanwhile tells nobody.

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::platform::notifications::NotificationKind;
use domain::safety::injuries::{self, timer_kind};
use uuid::Uuid;

/// A REMINDER or OVERDUE timer of `report_id` fired.
pub async fn deadline(deps: &Deps, kind: &str, report_id: Uuid) -> Result<(), BoxDynError> {
    let to = injuries::deadline_recipients(&deps.db, report_id, kind).await?;
    if to.is_empty() {
        tracing::info!(%report_id, kind, "injury report submitted (or nobody to tell); no email");
        return Ok(());
    }
    let notification = if kind == timer_kind::OVERDUE {
        NotificationKind::InjuryReportOverdue
    } else {
        NotificationKind::InjuryReportReminder
    };
    email_each(deps, notification, report_id, &to).await
}
