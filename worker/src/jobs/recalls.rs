//! A recall's work: its `recall.started` event finds and notices its
//! buyers, customers and guest addresses (once each, however often it is
//! delivered), each notice's
//! `recall.notice` event emails it (once, the notice being the email's
//! subject), the email's outcome moves the notice (sent: NOTIFIED; bounced
//! or dead-lettered: UNREACHABLE), and its ACCC timers remind COMPLIANCE and
//! escalate to ADMIN while the notification is not recorded.

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::Ctx;
use domain::platform::notifications::NotificationKind;
use domain::safety::recalls;
use entity::RecallNoticeStatus;
use uuid::Uuid;

/// `recall.started`: one notice per affected customer and guest address.
pub async fn started(deps: &Deps, recall_id: Uuid) -> Result<(), BoxDynError> {
    let ctx = Ctx::system(deps.clock.clone());
    let done = recalls::notify_customers(&deps.db, &ctx, recall_id).await?;
    let v = &done.value;
    tracing::info!(%recall_id, inserted = v.inserted, guests = v.guests, unreachable = v.unreachable, guest_orders = v.guest_orders, guest_orders_without_email = v.guest_orders_without_email, "recall buyers noticed");
    deps.broker.publish_all(done.touched).await;
    Ok(())
}

/// `recall.notice`: email the notice to its buyer, once.
pub async fn notice(deps: &Deps, notice_id: Uuid) -> Result<(), BoxDynError> {
    let Some(n) = recalls::find_notice(&deps.db, notice_id).await? else {
        tracing::warn!(%notice_id, "recall notice of a recall-notice event not found");
        return Ok(());
    };
    let Some(email) = n
        .email
        .filter(|_| n.status != RecallNoticeStatus::Unreachable)
    else {
        return Ok(());
    };
    email_each(deps, NotificationKind::RecallNotice, notice_id, &[email]).await
}

/// An ACCC timer fired: tell COMPLIANCE (reminder) or ADMIN (overdue),
/// once each, unless the notification was recorded meanwhile.
pub async fn accc_due(deps: &Deps, recall_id: Uuid, overdue: bool) -> Result<(), BoxDynError> {
    if !recalls::accc_outstanding(&deps.db, recall_id).await? {
        tracing::info!(%recall_id, "the ACCC notification is recorded; nobody to chase");
        return Ok(());
    }
    let (role, kind) = if overdue {
        (entity::Role::Admin, NotificationKind::RecallAcccOverdue)
    } else {
        (
            entity::Role::Compliance,
            NotificationKind::RecallAcccReminder,
        )
    };
    let to = domain::users::emails_of_role(&deps.db, role).await?;
    if to.is_empty() {
        tracing::warn!(%recall_id, ?role, "no login of the role to tell about a recall's ACCC notification");
    }
    email_each(deps, kind, recall_id, &to).await
}
