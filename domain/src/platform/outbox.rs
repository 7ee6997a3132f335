//! Work a change causes, recorded in the change's own transaction (through
//! the kernel's `Write::emit`). A relay delivers it to the job queue after
//! commit (at least once); this is the relay side.

use crate::kernel::db::begin_write;
use entity::{OutboxStatus, outbox};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Topics: one constant each, so producers and the relay agree.
pub mod topic {
    pub const CUSTOMER_CREATED: &str = "customer.created";
    /// ADMIN asked to deliver a dead notification again.
    pub const NOTIFICATION_RETRY: &str = "notification.retry";
    /// An order was placed (its confirmation email).
    pub const ORDER_PLACED: &str = "order.placed";
    /// A timer came due; its kind names the work (see `business_time::timers`).
    pub const TIMER_FIRED: &str = "timer.fired";
    /// A tax invoice was issued: email it to the buyer.
    pub const INVOICE_ISSUED: &str = "invoice.issued";
    /// A payment was approved: charge it at the provider.
    pub const PAYMENT_CAPTURE: &str = "payment.capture";
    /// A refund was approved: pay it back at the provider.
    pub const PAYMENT_REFUND: &str = "payment.refund";
    /// A payment succeeded: email the receipt.
    pub const PAYMENT_SUCCEEDED: &str = "payment.succeeded";
    /// Packages of an order were handed to the courier (for accounting, and
    /// for integrators once webhooks exist).
    pub const ORDER_SHIPPED: &str = "order.shipped";
    /// A delivered order's follow-up email is due (payload: its kind).
    pub const ORDER_FOLLOW_UP: &str = "order.follow_up";
    /// A purchase order was approved: email it to its supplier.
    pub const PURCHASE_ORDER_SENT: &str = "purchase_order.sent";
    /// A SENT purchase order was called off: its supplier is told.
    pub const PURCHASE_ORDER_CANCELLED: &str = "purchase_order.cancelled";
    /// Goods passed QC into a warehouse: reserve them for the orders
    /// waiting on them, earliest required date first.
    pub const GOODS_RECEIVED: &str = "goods.received";
    /// Quarantined goods were released into a warehouse (subject: the
    /// warehouse stock level): reserve them for the orders waiting on them,
    /// as for goods received.
    pub const STOCK_RELEASED: &str = "stock.released";
    /// A package's customer email is due (payload: its notification kind).
    pub const SHIPMENT_NOTICE: &str = "shipment.notice";
    /// An order with on-site services was delivered: tell the service team.
    pub const ORDER_ON_SITE: &str = "order.on_site";
    /// An engagement's stage started: tell the customer (payload: the stage).
    pub const ENGAGEMENT_STAGE_STARTED: &str = "engagement.stage_started";
    /// An engagement's stage passed its due time: tell its owners.
    pub const ENGAGEMENT_STAGE_OVERDUE: &str = "engagement.stage_overdue";
    /// A deliverable awaits the customer's acceptance: tell the customer.
    pub const DELIVERABLE_AWAITING_ACCEPTANCE: &str = "deliverable.awaiting_acceptance";
    /// A scope change was approved or rejected: tell the customer (subject:
    /// the scope change).
    pub const SCOPE_CHANGE_DECIDED: &str = "scope_change.decided";
    /// A delay was recorded: tell the customer the new dates (subject: the
    /// delay).
    pub const ENGAGEMENT_DELAYED: &str = "engagement.delayed";
    /// An engagement was escalated: tell ADMIN (subject: the escalation).
    pub const ENGAGEMENT_ESCALATED: &str = "engagement.escalated";
    /// An engagement was formally closed: the NPS survey goes to the
    /// customer contact (subject: the engagement).
    pub const ENGAGEMENT_CLOSED: &str = "engagement.closed";
    /// A support ticket was opened: acknowledge it to the customer
    /// (subject: the ticket).
    pub const TICKET_OPENED: &str = "ticket.opened";
    /// Staff replied on a ticket: send the reply to the customer (subject:
    /// the message).
    pub const TICKET_REPLIED: &str = "ticket.replied";
    /// A ticket was resolved: tell the customer (subject: the ticket event
    /// that resolved it).
    pub const TICKET_RESOLVED: &str = "ticket.resolved";
    /// A ticket's SLA target is about to be breached: warn the assignee
    /// (subject: the `ticket_sla_alarm` row).
    pub const TICKET_SLA_WARNING: &str = "ticket.sla_warning";
    /// A ticket's SLA target was breached: tell the policy's escalation
    /// role (subject: the `ticket_sla_alarm` row).
    pub const TICKET_SLA_BREACHED: &str = "ticket.sla_breached";
    /// An asset's warranty ends soon (payload: who to tell).
    pub const ASSET_RENEWAL_REMINDER: &str = "asset.renewal_reminder";
    /// A recall started: find and notify its customers (subject: the
    /// recall).
    pub const RECALL_STARTED: &str = "recall.started";
    /// A customer's recall notice was created: email it (subject: the
    /// notice).
    pub const RECALL_NOTICE: &str = "recall.notice";
    /// A public holiday was added or removed: business-time waits planned
    /// on the old calendar are planned again (subject: the holiday).
    pub const CALENDAR_CHANGED: &str = "calendar.changed";
    /// A claim passed a step its customer is told of (subject: the step).
    pub const CLAIM_STEP: &str = "claim.step";
    /// A return passed a step its customer is told of (subject: the step).
    pub const RETURN_STEP: &str = "return.step";
    /// Something integrators subscribe to happened: fan it out to the
    /// webhook subscriptions wanting it (subject: the record; payload:
    /// `webhooks::events::WebhookEvent`).
    pub const WEBHOOK_EVENT: &str = "webhook.event";
    /// A webhook subscription kept failing and was disabled: tell ADMIN
    /// (subject: the delivery whose failure disabled it).
    pub const WEBHOOK_DISABLED: &str = "webhook.disabled";
}

// ---- Relay side: claiming, marking, recovering. Times here are wall-clock
// scheduling times, not business time.

use super::backoff::{AfterFailure, FailureKind, MAX_ATTEMPTS, after_failure};
use super::dead_letters;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, UpdateMany,
};

/// Claim up to `limit` pending rows for `owner` until `now + lease`. Each row
/// is taken with a conditional update, so two relays never hold one row; a
/// relay that dies leaves its lease to expire and the row is claimed again.
/// On PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so
/// concurrent relays take different rows instead of fighting over the same.
pub async fn claim_batch(
    db: &DatabaseConnection,
    owner: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let claimable = || {
        Condition::all()
            .add(outbox::Column::Status.eq(OutboxStatus::Pending))
            .add(
                Condition::any()
                    .add(outbox::Column::LeaseUntil.is_null())
                    .add(outbox::Column::LeaseUntil.lt(now)),
            )
    };
    let txn = begin_write(db).await?;
    let mut candidates = outbox::Entity::find()
        .filter(claimable())
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        candidates = candidates.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let candidates = candidates.all(&txn).await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for row in candidates {
        let result = outbox::Entity::update_many()
            .col_expr(outbox::Column::LeaseOwner, Expr::value(owner.to_owned()))
            .col_expr(outbox::Column::LeaseUntil, Expr::value(now + lease))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.eq(row.id))
            .filter(claimable())
            .exec(&txn)
            .await?;
        if result.rows_affected == 1 {
            claimed.push(row);
        }
    }
    txn.commit().await?;
    Ok(claimed)
}

/// The row is on the queue: stop relaying it (if we still hold it).
pub async fn mark_relayed<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Relayed))
        .col_expr(outbox::Column::RelayedAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::LeaseOwner.eq(owner))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The job that handled this row finished its work.
pub async fn mark_processed<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::ProcessedAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::ProcessedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// The row's job failed: keep the error and hand the row back to the relay
/// after a backoff, or, once its attempts are spent, make it a dead letter
/// ADMIN sees (in one transaction). `None` when it is already finished.
pub async fn record_failure(
    db: &DatabaseConnection,
    id: Uuid,
    error: &str,
    now: DateTime<Utc>,
    base: Duration,
) -> Result<Option<AfterFailure>, DbErr> {
    let txn = begin_write(db).await?;
    let Some(row) = find(&txn, id).await? else {
        return Ok(None);
    };
    if row.processed_at.is_some() || row.status == OutboxStatus::Dead {
        return Ok(None);
    }
    let next = after_failure(Ord::max(row.attempts, 1), FailureKind::Transient, now, base);
    match next {
        AfterFailure::RetryAt(at) => {
            // A lease in the future keeps the relay off it until the backoff ends.
            release(outbox::Entity::update_many(), Some(at))
                .col_expr(outbox::Column::LastError, Expr::value(error.to_owned()))
                .filter(outbox::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        AfterFailure::Dead => give_up(&txn, &row, error, now).await?,
    }
    txn.commit().await?;
    Ok(Some(next))
}

/// Rows relayed more than `older_than` ago whose job never finished (a queue
/// or worker lost it) go back to PENDING, or become dead letters once their
/// attempts are spent. Handlers are idempotent, so a slow job that finishes
/// after all costs nothing but a repeat check. Returns (requeued, dead).
pub async fn requeue_unprocessed(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    older_than: Duration,
) -> Result<(u64, u64), DbErr> {
    let stale = || {
        Condition::all()
            .add(outbox::Column::Status.eq(OutboxStatus::Relayed))
            .add(outbox::Column::ProcessedAt.is_null())
            .add(outbox::Column::RelayedAt.lt(now - older_than))
    };
    let spent = outbox::Entity::find()
        .filter(stale())
        .filter(outbox::Column::Attempts.gte(MAX_ATTEMPTS))
        .all(db)
        .await?;
    let mut dead = 0;
    for row in spent {
        let txn = begin_write(db).await?;
        let error = row.last_error.clone().unwrap_or_else(|| {
            format!(
                "relayed {} times; its job never reported back",
                row.attempts
            )
        });
        give_up(&txn, &row, &error, now).await?;
        txn.commit().await?;
        dead += 1;
    }
    let result = release(outbox::Entity::update_many(), None)
        .filter(stale())
        .exec(db)
        .await?;
    Ok((result.rows_affected, dead))
}

/// Back to PENDING, claimable again once `lease_until` (if any) has passed.
fn release(
    update: UpdateMany<outbox::Entity>,
    lease_until: Option<DateTime<Utc>>,
) -> UpdateMany<outbox::Entity> {
    update
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(
            outbox::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(outbox::Column::LeaseUntil, Expr::value(lease_until))
}

/// The row becomes DEAD with a dead letter, in the caller's transaction.
async fn give_up<C: ConnectionTrait>(
    conn: &C,
    row: &outbox::Model,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Dead))
        .col_expr(outbox::Column::LastError, Expr::value(error.to_owned()))
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.eq(row.id))
        .exec(conn)
        .await?;
    dead_letters::record(
        conn,
        dead_letters::kind::OUTBOX,
        row.id,
        error,
        row.attempts,
        now,
    )
    .await?;
    Ok(())
}

/// How long finished rows are kept (for tracing what a change caused).
pub const RETENTION: Duration = Duration::days(7);

/// Forget rows whose work finished more than `RETENTION` ago (the sweep).
/// Dead and unfinished rows stay until they are dealt with.
pub async fn purge_finished(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = outbox::Entity::delete_many()
        .filter(outbox::Column::ProcessedAt.lt(now - RETENTION))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Pending rows and the age of the oldest (for metrics).
pub async fn lag<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<(u64, Option<Duration>), DbErr> {
    use sea_orm::PaginatorTrait;
    let pending = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .count(conn)
        .await?;
    let oldest = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .order_by_asc(outbox::Column::Id)
        .one(conn)
        .await?
        .map(|row| now - row.created_at);
    Ok((pending, oldest))
}

crate::find_by_id! {
    pub fn find -> outbox
}

/// Hand a dead-lettered row to the relay again with a fresh set of attempts.
pub async fn rearm<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<bool, DbErr> {
    let result = release(outbox::Entity::update_many(), None)
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Dead))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
