//! Dead letters: jobs of any kind that ran out of attempts or failed for
//! good. ADMIN lists them and, once the cause is fixed, retries them; each
//! kind says how its work is armed again.

use super::{notifications, outbox};
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Page, PageRequest, Permission, Write, fetch_page,
};
use chrono::{DateTime, Utc};
use entity::dead_job;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

/// The job kinds that can die, and so be retried.
pub mod kind {
    /// A customer email (`reference_id`: the notification).
    pub const NOTIFICATION: &str = "notification";
    /// An outbox row whose job kept failing (`reference_id`: the outbox row).
    pub const OUTBOX: &str = "outbox";
}

/// Record that a job died (inside the transaction that gives it up).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    job_kind: &str,
    reference_id: Uuid,
    error: &str,
    attempts: i32,
    now: DateTime<Utc>,
) -> Result<dead_job::Model, DbErr> {
    dead_job::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_kind: Set(job_kind.to_owned()),
        reference_id: Set(reference_id),
        last_error: Set(error.to_owned()),
        attempts: Set(attempts),
        died_at: Set(now),
        retried_at: Set(None),
    }
    .insert(conn)
    .await
}

/// Dead letters not yet retried, oldest first (ADMIN).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    page: PageRequest,
) -> Result<Page<dead_job::Model>, DomainError> {
    Permission::ManageJobs.require(ctx)?;
    let query = dead_job::Entity::find().filter(dead_job::Column::RetriedAt.is_null());
    Ok(fetch_page(db, query, dead_job::Column::Id, page, |r| r.id).await?)
}

/// Run a dead job again (ADMIN) with a fresh set of attempts. `now_wall` is
/// when it becomes due (scheduling uses wall time, not business time).
pub async fn retry(
    db: &DatabaseConnection,
    ctx: &Ctx,
    dead_job_id: Uuid,
    now_wall: DateTime<Utc>,
) -> Result<Committed<dead_job::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageJobs).await?;
    let dead = dead_job::Entity::find_by_id(dead_job_id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::not_found("id", "dead job"))?;
    let already = || {
        DomainError::rejected(
            &["id"],
            ErrorCode::Conflict,
            "this dead job was already retried",
        )
    };
    if dead.retried_at.is_some() {
        return Err(already());
    }
    let marked = dead_job::Entity::update_many()
        .col_expr(dead_job::Column::RetriedAt, Expr::value(w.now()))
        .filter(dead_job::Column::Id.eq(dead.id))
        .filter(dead_job::Column::RetriedAt.is_null())
        .exec(w.conn())
        .await?;
    if marked.rows_affected != 1 {
        return Err(already());
    }
    match dead.job_kind.as_str() {
        kind::NOTIFICATION => {
            notifications::rearm(w.conn(), dead.reference_id, now_wall).await?;
            let payload = notifications::NotificationRef {
                notification_id: dead.reference_id,
            };
            w.emit(
                outbox::topic::NOTIFICATION_RETRY,
                dead.reference_id,
                &payload,
            )
            .await?;
        }
        kind::OUTBOX => {
            outbox::rearm(w.conn(), dead.reference_id).await?;
        }
        other => {
            return Err(DomainError::rejected(
                &["id"],
                ErrorCode::OutOfRange,
                format!("jobs of kind '{other}' cannot be retried"),
            ));
        }
    }
    let after = dead_job::Entity::find_by_id(dead.id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::internal("dead job vanished"))?;
    w.audit(
        &dead.job_kind,
        dead.reference_id,
        "dead_job.retried",
        Some(&dead),
        Some(&after),
    )
    .await?;
    w.commit(after).await
}
