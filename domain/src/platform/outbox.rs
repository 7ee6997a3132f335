//! Work a change causes, recorded in the change's own transaction (through
//! the kernel's `Write::emit`). A relay delivers it to the job queue after
//! commit (at least once); this is the relay side.

use entity::{OutboxStatus, outbox};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Topics: one constant each, so producers and the relay agree.
pub mod topic {
    pub const CUSTOMER_CREATED: &str = "customer.created";
    /// ADMIN asked to deliver a dead notification again.
    pub const NOTIFICATION_RETRY: &str = "notification.retry";
}

// ---- Relay side: claiming, marking, recovering. Times here are wall-clock
// scheduling times, not business time.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect};

/// Claim up to `limit` pending rows for `owner` until `now + lease`. Each row
/// is taken with a conditional update, so two relays never hold one row; a
/// relay that dies leaves its lease to expire and the row is claimed again.
pub async fn claim_batch<C: ConnectionTrait>(
    conn: &C,
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
    let candidates = outbox::Entity::find()
        .filter(claimable())
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
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
            .exec(conn)
            .await?;
        if result.rows_affected == 1 {
            claimed.push(row);
        }
    }
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

/// Rows relayed more than `older_than` ago whose job never finished (a queue
/// or worker lost it) go back to PENDING. Handlers are idempotent, so a slow
/// job that finishes after all costs nothing but a repeat check.
pub async fn requeue_unprocessed<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    older_than: Duration,
) -> Result<u64, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(
            outbox::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Status.eq(OutboxStatus::Relayed))
        .filter(outbox::Column::ProcessedAt.is_null())
        .filter(outbox::Column::RelayedAt.lt(now - older_than))
        .exec(conn)
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

pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<outbox::Model>, DbErr> {
    outbox::Entity::find_by_id(id).one(conn).await
}

/// Hand a dead-lettered row to the relay again with a fresh set of attempts.
pub async fn rearm<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<bool, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(
            outbox::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::ProcessedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
