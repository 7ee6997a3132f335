//! Dead letters: jobs of any kind that ran out of attempts or failed for
//! good. ADMIN lists them here and retries them through `retry`.

use crate::kernel::{Ctx, DomainError, Page, PageRequest, Permission, fetch_page};
use chrono::{DateTime, Utc};
use entity::dead_job;
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

/// One dead letter, for ADMIN; anyone else finds nothing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<dead_job::Model>, DbErr> {
    if !Permission::ManageJobs.allows(ctx.actor.role) {
        return Ok(None);
    }
    dead_job::Entity::find_by_id(id).one(conn).await
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
