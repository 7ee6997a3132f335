//! The append-only audit trail. Every state change appends an entry in the
//! transaction that makes the change; there is no update or delete path.

use crate::context::Ctx;
use crate::page::{Page, PageRequest};
use entity::audit_entry;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

/// Append one entry. `before`/`after` are snapshots of the record.
pub async fn append<C: ConnectionTrait, S: Serialize>(
    conn: &C,
    ctx: &Ctx,
    subject_type: &str,
    subject_id: Uuid,
    action: &str,
    before: Option<&S>,
    after: Option<&S>,
) -> Result<audit_entry::Model, sea_orm::DbErr> {
    let to_json = |s: Option<&S>| {
        s.map(|v| serde_json::to_string(v).expect("audit snapshots are plain data"))
    };
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        action: Set(action.to_owned()),
        actor_id: Set(ctx.actor.id.clone()),
        actor_role: Set(ctx.actor.role.as_str().to_owned()),
        occurred_at: Set(ctx.clock.now()),
        before: Set(to_json(before)),
        after: Set(to_json(after)),
    }
    .insert(conn)
    .await
}

/// One record's timeline, oldest first.
pub async fn trail<C: ConnectionTrait>(
    conn: &C,
    subject_id: Uuid,
    page: PageRequest,
) -> Result<Page<audit_entry::Model>, sea_orm::DbErr> {
    let mut query = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_entry::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(audit_entry::Column::Id.gt(after));
    }
    let rows = query.limit(page.first as u64 + 1).all(conn).await?;
    Ok(Page::from_overfetch(rows, page, |row| row.id))
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
    query.limit(500).all(conn).await
}
