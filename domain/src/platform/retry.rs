//! Retrying a dead letter (ADMIN), once its cause is fixed: each job kind
//! says how its work is armed again.

use super::dead_letters::kind;
use super::{notifications, outbox};
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, Permission, Write};
use chrono::{DateTime, Utc};
use entity::dead_job;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

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
    w.commit_audited(
        &dead.job_kind,
        dead.reference_id,
        "dead_job.retried",
        Some(&dead),
        after,
    )
    .await
}
