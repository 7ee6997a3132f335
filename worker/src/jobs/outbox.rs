//! An outbox row's job: do the work its topic names, then mark it processed.

use super::finish;
use super::send_notification::deliver;
use crate::deps::Deps;
use crate::metrics;
use crate::payloads::OutboxJob;
use apalis::prelude::{BoxDynError, Data};
use domain::platform::backoff::AfterFailure;
use domain::platform::notifications::{self, NotificationRef};
use domain::platform::outbox::{self, topic};
use std::sync::Arc;
use std::time::Instant;

/// Failures are recorded on the row (retried after a backoff, a dead letter
/// once its attempts are spent), so the job itself succeeds; only an error
/// recording the failure makes the queue retry it.
pub async fn handle(job: OutboxJob, deps: Data<Arc<Deps>>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = process(&job, &deps).await;
    finish(started, &result);
    let Err(error) = result else {
        return Ok(());
    };
    let (id, error) = (job.outbox_id, error.to_string());
    let base = deps.config.email_retry_base;
    let now = chrono::Utc::now();
    match outbox::record_failure(&deps.db, id, &error, now, base).await? {
        Some(AfterFailure::RetryAt(at)) => {
            tracing::warn!(outbox_id = %id, %error, retry_at = %at, "outbox job failed; retry scheduled")
        }
        Some(AfterFailure::Dead) => {
            metrics::dead_letter();
            tracing::error!(outbox_id = %id, %error, "outbox job is a dead letter");
        }
        None => tracing::debug!(outbox_id = %id, "failed after the row was finished elsewhere"),
    }
    Ok(())
}

async fn process(job: &OutboxJob, deps: &Deps) -> Result<(), BoxDynError> {
    let Some(row) = outbox::find(&deps.db, job.outbox_id).await? else {
        tracing::warn!(outbox_id = %job.outbox_id, "outbox row not found; nothing to do");
        return Ok(());
    };
    if row.processed_at.is_some() {
        tracing::debug!(outbox_id = %row.id, "already processed");
        return Ok(());
    }
    tracing::info!(outbox_id = %row.id, topic = %row.topic, "processing");
    match row.topic.as_str() {
        topic::CUSTOMER_CREATED => {
            // Scheduling (when the email is due) runs on wall time.
            let now = chrono::Utc::now();
            let planned =
                notifications::ensure_welcome(&deps.db, row.subject_id, now, &deps.mail_domain)
                    .await?;
            if let Some(n) = planned {
                deliver(deps, n.id).await?;
            }
        }
        topic::NOTIFICATION_RETRY => {
            let r: NotificationRef = serde_json::from_str(&row.payload)?;
            deliver(deps, r.notification_id).await?;
        }
        topic::ORDER_PLACED => {
            let kind = notifications::NotificationKind::OrderConfirmation;
            super::send_notification::email_order_contact(deps, kind, row.subject_id).await?;
        }
        topic::INVOICE_ISSUED => {
            super::send_notification::email_invoice(deps, row.subject_id).await?
        }
        topic::PAYMENT_CAPTURE => super::payment::capture(deps, row.subject_id).await?,
        topic::PAYMENT_REFUND => super::payment::refund(deps, row.subject_id).await?,
        topic::PAYMENT_SUCCEEDED => super::payment::email_receipt(deps, row.subject_id).await?,
        topic::TIMER_FIRED => super::timer_fired::handle(deps, &row).await?,
        topic::PURCHASE_ORDER_SENT => {
            let kind = notifications::NotificationKind::PurchaseOrder;
            super::send_notification::email_supplier(deps, kind, row.subject_id).await?
        }
        topic::PURCHASE_ORDER_CANCELLED => {
            let kind = notifications::NotificationKind::PurchaseOrderCancelled;
            super::send_notification::email_supplier(deps, kind, row.subject_id).await?
        }
        topic::GOODS_RECEIVED => super::purchasing::goods_received(deps, row.subject_id).await?,
        topic::STOCK_RELEASED => super::purchasing::stock_released(deps, row.subject_id).await?,
        topic::ORDER_FOLLOW_UP => {
            let notice: domain::closeout::FollowUpNotice = serde_json::from_str(&row.payload)?;
            super::send_notification::email_order_contact(deps, notice.kind, row.subject_id).await?
        }
        topic::SHIPMENT_NOTICE => {
            let notice: domain::fulfilment::Notice = serde_json::from_str(&row.payload)?;
            super::send_notification::email_shipment(deps, notice.kind, row.subject_id).await?
        }
        topic::ORDER_ON_SITE => {
            let kind = notifications::NotificationKind::ServiceOnSite;
            let to = domain::closeout::assets::service_team(&deps.db).await?;
            if to.is_empty() {
                tracing::warn!(order_id = %row.subject_id, "no DELIVERY_TEAM login to tell the order's goods are on site");
            }
            super::send_notification::email_each(deps, kind, row.subject_id, &to).await?
        }
        topic::ENGAGEMENT_STAGE_STARTED => {
            let notice: domain::engagements::StageNotice = serde_json::from_str(&row.payload)?;
            super::engagements::stage_started(deps, row.subject_id, notice).await?
        }
        topic::ENGAGEMENT_STAGE_OVERDUE => {
            let notice: domain::engagements::StageNotice = serde_json::from_str(&row.payload)?;
            super::engagements::stage_overdue(deps, row.subject_id, notice).await?
        }
        topic::ENGAGEMENT_DELAYED => super::engagements::delayed(deps, row.subject_id).await?,
        topic::ENGAGEMENT_ESCALATED => super::engagements::escalated(deps, row.subject_id).await?,
        topic::ENGAGEMENT_CLOSED => super::engagements::closed(deps, row.subject_id).await?,
        topic::DELIVERABLE_AWAITING_ACCEPTANCE => {
            let notice: super::engagements::AcceptanceNotice = serde_json::from_str(&row.payload)?;
            super::engagements::awaiting_acceptance(deps, row.subject_id, notice).await?
        }
        topic::TICKET_OPENED => {
            let notice: domain::support::TicketNotice = serde_json::from_str(&row.payload)?;
            super::support::opened(deps, row.subject_id, notice).await?
        }
        topic::TICKET_REPLIED => {
            let notice: domain::support::TicketNotice = serde_json::from_str(&row.payload)?;
            super::support::replied(deps, row.subject_id, notice).await?
        }
        topic::TICKET_RESOLVED => {
            let notice: domain::support::TicketNotice = serde_json::from_str(&row.payload)?;
            super::support::resolved(deps, row.subject_id, notice).await?
        }
        topic::TICKET_SLA_WARNING | topic::TICKET_SLA_BREACHED => {
            super::support::sla_alarm(deps, row.subject_id).await?
        }
        topic::CALENDAR_CHANGED => {
            // Due times moved with the calendar: so must the SLA alarms.
            let ctx = domain::Ctx::system(deps.clock.clone());
            let replanned = domain::support::alarms::replan_open(&deps.db, &ctx).await?;
            tracing::info!(replanned, "SLA alarms re-planned on the changed calendar");
        }
        topic::SCOPE_CHANGE_DECIDED => {
            super::engagements::scope_change_decided(deps, row.subject_id).await?
        }
        topic::ASSET_RENEWAL_REMINDER => {
            let reminder: domain::closeout::assets::RenewalReminder =
                serde_json::from_str(&row.payload)?;
            let asset = row.subject_id;
            let to_customer: Vec<String> = reminder.customer.into_iter().collect();
            let renewal = notifications::NotificationKind::WarrantyRenewal;
            super::send_notification::email_each(deps, renewal, asset, &to_customer).await?;
            let ending = notifications::NotificationKind::WarrantyEnding;
            super::send_notification::email_each(deps, ending, asset, &reminder.staff).await?
        }
        topic::RECALL_STARTED => super::recalls::started(deps, row.subject_id).await?,
        topic::RECALL_NOTICE => super::recalls::notice(deps, row.subject_id).await?,
        topic::CLAIM_STEP | topic::RETURN_STEP => {
            super::aftersales::step(deps, row.subject_id).await?
        }
        topic::WEBHOOK_EVENT => super::webhooks::fan_out(deps, row.id, &row.payload).await?,
        topic::WEBHOOK_DISABLED => super::webhooks::disabled(deps, row.subject_id).await?,
        // Kept as the record accounting reads; integrators get it as the
        // `order.shipped` webhook (recorded with it).
        topic::ORDER_SHIPPED => {
            tracing::info!(order_id = %row.subject_id, "order shipped (accounting event recorded)")
        }
        other => tracing::warn!(outbox_id = %row.id, topic = other, "no handler for topic"),
    }
    outbox::mark_processed(&deps.db, row.id, chrono::Utc::now()).await?;
    Ok(())
}
