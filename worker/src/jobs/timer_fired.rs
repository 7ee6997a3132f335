//! A timer came due (its outbox row, written when the sweep fired it): do
//! what its kind names. Each area that plans timers adds its kind here.

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::Ctx;
use domain::approvals::{self, timer_kind};
use domain::business_time::daily::DailyRun;
use domain::business_time::timers::{TimerFired, kind};
use domain::platform::notifications::NotificationKind;
use entity::outbox;

pub async fn handle(deps: &Deps, row: &outbox::Model) -> Result<(), BoxDynError> {
    let fired: TimerFired = serde_json::from_str(&row.payload)?;
    match fired.kind.as_str() {
        kind::DAILY_RUN => {
            // The next run was planned when this one fired: the closure,
            // archive and replenishment run of this business date.
            let run: DailyRun = serde_json::from_value(fired.payload)?;
            let ctx = Ctx::system(deps.clock.clone());
            let done = domain::closeout::run_daily(&deps.db, &ctx, run.business_date).await?;
            tracing::info!(
                business_date = %run.business_date,
                closed = done.closed.len(),
                archived = done.archived.len(),
                replenishment_tasks = done.tasks.len(),
                "daily run"
            );
            deps.broker
                .publish_all(done.closed.into_iter().chain(done.archived))
                .await;
        }
        timer_kind::FOLLOW_UP => {
            let to = approvals::reminder_recipients(&deps.db, fired.subject_id).await?;
            email_each(
                deps,
                NotificationKind::ApprovalReminder,
                fired.subject_id,
                &to,
            )
            .await?;
        }
        timer_kind::DUE => {
            let ctx = Ctx::system(deps.clock.clone());
            let escalated = approvals::on_due(&deps.db, &ctx, fired.subject_id).await?;
            if let Some(role) = escalated
                && let Some(approval) = approvals::find(&deps.db, fired.subject_id).await?
            {
                let to = approvals::recipients(&deps.db, &approval.request, role).await?;
                let kind = NotificationKind::ApprovalEscalated;
                email_each(deps, kind, fired.subject_id, &to).await?;
            }
        }
        domain::orders::timer_kind::RESERVATION_EXPIRY => {
            let ctx = Ctx::system(deps.clock.clone());
            let committed =
                domain::orders::lapse_reservation(&deps.db, &ctx, fired.subject_id).await?;
            deps.broker.publish_all(committed.touched).await;
        }
        domain::orders::timer_kind::LATE_RISK => {
            let ctx = Ctx::system(deps.clock.clone());
            let calendar = deps.calendar.current();
            let review =
                domain::orders::review_late_risk(&deps.db, &ctx, &calendar, fired.subject_id)
                    .await?;
            deps.broker.publish_all(review.committed.touched).await;
            let kind = match review.turned {
                Some(entity::LateRisk::AtRisk) => NotificationKind::OrderAtRisk,
                Some(entity::LateRisk::Late) => NotificationKind::OrderLate,
                _ => return Ok(()),
            };
            super::send_notification::email_order_contact(deps, kind, fired.subject_id).await?;
        }
        domain::closeout::timer_kind::FOLLOW_UP => {
            let ctx = Ctx::system(deps.clock.clone());
            domain::closeout::follow_up(&deps.db, &ctx, fired.subject_id).await?;
        }
        domain::closeout::timer_kind::WARRANTY_REMINDER => {
            // Decided (and its emails queued) once, in one transaction.
            let ctx = Ctx::system(deps.clock.clone());
            let calendar = deps.calendar.current();
            domain::closeout::assets::remind(&deps.db, &ctx, &calendar, fired.subject_id).await?;
        }
        domain::fulfilment::timer_kind::TRACKING_POLL => {
            let ctx = Ctx::system(deps.clock.clone());
            let calendar = deps.calendar.current();
            let polled = domain::fulfilment::polling::poll(
                &deps.db,
                &ctx,
                &deps.couriers,
                &deps.config.poll_schedule,
                &calendar,
                fired.subject_id,
            )
            .await?;
            crate::metrics::tracking_poll(polled.asked, polled.failure.is_some());
            deps.broker.publish_all(polled.touched).await;
        }
        domain::engagements::timer_kind::STAGE_DUE => {
            // Flagged once; the outbox row it writes emails the stage's owners.
            let ctx = Ctx::system(deps.clock.clone());
            let flagged =
                domain::engagements::on_stage_due(&deps.db, &ctx, fired.subject_id).await?;
            if flagged.value {
                tracing::info!(engagement_id = %fired.subject_id, "engagement stage overdue");
            }
            deps.broker.publish_all(flagged.touched).await;
        }
        domain::engagements::timer_kind::STAGE_ESCALATE => {
            // Escalated once, if still overdue; its outbox row emails ADMIN.
            let notice: domain::engagements::StageNotice = serde_json::from_value(fired.payload)?;
            let ctx = Ctx::system(deps.clock.clone());
            // Boxed: keeps this handler's future (and stack frame) small.
            let escalated = Box::pin(domain::engagements::delays::on_escalation_due(
                &deps.db,
                &ctx,
                fired.subject_id,
                notice,
            ))
            .await?;
            if escalated.value {
                tracing::info!(engagement_id = %fired.subject_id, "overdue engagement stage escalated");
            }
            deps.broker.publish_all(escalated.touched).await;
        }
        domain::support::timer_kind::AUTO_CLOSE => {
            // Closed once, if still resolved past its reopen window.
            let ctx = Ctx::system(deps.clock.clone());
            let closed = domain::support::auto_close(&deps.db, &ctx, fired.subject_id).await?;
            if closed.value {
                tracing::info!(ticket_id = %fired.subject_id, "resolved ticket closed after its reopen window");
            }
            deps.broker.publish_all(closed.touched).await;
        }
        k if domain::support::alarms::timer_kind::ALL.contains(&k) => {
            // Told once per target, alarm and cycle, if the clocks still say so.
            let due: domain::support::alarms::AlarmDue = serde_json::from_value(fired.payload)?;
            let ctx = Ctx::system(deps.clock.clone());
            let told = Box::pin(domain::support::alarms::on_alarm_due(
                &deps.db,
                &ctx,
                fired.subject_id,
                due,
            ))
            .await?;
            if let Some(alarm) = &told.value {
                tracing::info!(ticket_id = %fired.subject_id, target = %alarm.target, alarm = %alarm.alarm, "ticket SLA alarm");
            }
            deps.broker.publish_all(told.touched).await;
        }
        domain::safety::injuries::timer_kind::REMINDER
        | domain::safety::injuries::timer_kind::OVERDUE => {
            // Once per recipient (about the report), and only while open.
            super::injuries::deadline(deps, &fired.kind, fired.subject_id).await?;
        }
        domain::safety::recalls::timer_kind::ACCC_REMINDER => {
            super::recalls::accc_due(deps, fired.subject_id, false).await?
        }
        domain::safety::recalls::timer_kind::ACCC_OVERDUE => {
            super::recalls::accc_due(deps, fired.subject_id, true).await?
        }
        domain::aftersales::claims::timer_kind::REMEDY_DUE => {
            super::aftersales::remedy_due(deps, fired.subject_id).await?
        }
        other => {
            tracing::warn!(timer_id = %fired.timer_id, kind = other, "no handler for timer kind")
        }
    }
    Ok(())
}
