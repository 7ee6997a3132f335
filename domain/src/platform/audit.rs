//! The append-only audit trail, read side. Every state change appends an
//! entry in the transaction that makes the change (through the kernel's
//! `Write::audit`); there is no update or delete path.

use crate::kernel::{Ctx, Page, PageRequest, Scope, fetch_page};
use entity::audit_entry;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// May the caller follow this record's timeline? Customers only their own
/// (the ownership rule); for anyone else a record looks as if it never changed.
pub fn may_follow(ctx: &Ctx, subject_id: Uuid) -> bool {
    Scope::of_ctx(ctx).permits(subject_id)
}

/// One record's timeline, oldest first; empty for a record the caller may not see.
pub async fn trail<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    subject_id: Uuid,
    page: PageRequest,
) -> Result<Page<audit_entry::Model>, sea_orm::DbErr> {
    if !may_follow(ctx, subject_id) {
        return Ok(Page::empty(page));
    }
    let query = audit_entry::Entity::find().filter(audit_entry::Column::SubjectId.eq(subject_id));
    fetch_page(conn, query, audit_entry::Column::Id, page, |row| row.id).await
}

/// One entry, if the caller may follow its record's timeline.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<audit_entry::Model>, sea_orm::DbErr> {
    let entry = audit_entry::Entity::find_by_id(id).one(conn).await?;
    Ok(entry.filter(|e| may_follow(ctx, e.subject_id)))
}

/// The newest entry of a record's timeline, if any.
pub async fn latest_id<C: ConnectionTrait>(
    conn: &C,
    subject_id: Uuid,
) -> Result<Option<Uuid>, sea_orm::DbErr> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectId.eq(subject_id))
        .order_by_desc(audit_entry::Column::Id)
        .one(conn)
        .await?
        .map(|e| e.id))
}

/// Most entries a record's timeline shows.
pub const TIMELINE_STEPS: usize = 500;

/// The timelines of many records (by subject id), oldest first, each its
/// first `TIMELINE_STEPS` entries: one query for any number; visibility is
/// the caller's to check.
pub async fn timelines<C: ConnectionTrait>(
    conn: &C,
    subject_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<audit_entry::Model>>, sea_orm::DbErr> {
    let rows = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectId.is_in(subject_ids.iter().copied()))
        .order_by_asc(audit_entry::Column::Id)
        .all(conn)
        .await?;
    let mut trails: HashMap<Uuid, Vec<audit_entry::Model>> = HashMap::new();
    for entry in rows {
        let trail = trails.entry(entry.subject_id).or_default();
        if trail.len() < TIMELINE_STEPS {
            trail.push(entry);
        }
    }
    Ok(trails)
}

/// Entries appended to a record after `after` (all when `None`), oldest first.
pub async fn appended_since<C: ConnectionTrait>(
    conn: &C,
    subject_id: Uuid,
    after: Option<Uuid>,
) -> Result<Vec<audit_entry::Model>, sea_orm::DbErr> {
    let mut query = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_entry::Column::Id);
    if let Some(after) = after {
        query = query.filter(audit_entry::Column::Id.gt(after));
    }
    query.limit(TIMELINE_STEPS as u64).all(conn).await
}
