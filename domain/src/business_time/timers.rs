//! Timers: every business wait (a reminder, an escalation, a courier's next
//! poll, a daily run) is a row planned in the transaction of the change that
//! needs it, so a rolled-back change plans nothing. Re-planning bumps the
//! generation and supersedes the old row, so only the newest can fire. The
//! worker's sweep fires due timers on the app clock, each exactly once, by
//! writing the timer's outbox row in the same transaction as the conditional
//! PLANNED → FIRED update; what the timer's kind does runs from that row.

use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Page, PageRequest, Permission, Write, fetch_page,
};
use chrono::{DateTime, Utc};
use entity::{TimerStatus, timer};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const SUBJECT_TYPE: &str = "timer";

/// The kinds of timer; each later area adds its own and handles it in the
/// worker's `timer.fired` job.
pub mod kind {
    /// The run of scheduled work once per business date (see `daily`).
    pub const DAILY_RUN: &str = "daily_run";
}

/// The payload of a `timer.fired` outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerFired {
    pub timer_id: Uuid,
    pub kind: String,
    pub subject_id: Uuid,
    pub generation: i32,
    /// The timer's own payload (JSON).
    pub payload: serde_json::Value,
}

/// What to wait for: a kind of work, the record it is about, when, and
/// what the handler is given.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerPlan<'a> {
    pub kind: &'a str,
    pub subject_id: Uuid,
    /// On the app clock.
    pub due_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

impl<'a> TimerPlan<'a> {
    /// A plan whose handler needs nothing but the subject (an empty payload).
    pub fn new(kind: &'a str, subject_id: Uuid, due_at: DateTime<Utc>) -> Self {
        TimerPlan {
            kind,
            subject_id,
            due_at,
            payload: serde_json::json!({}),
        }
    }

    fn row(&self, generation: i32, now: DateTime<Utc>) -> timer::ActiveModel {
        timer::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(self.kind.to_owned()),
            subject_id: Set(self.subject_id),
            generation: Set(generation),
            due_at: Set(self.due_at),
            payload: Set(self.payload.to_string()),
            status: Set(TimerStatus::Planned),
            created_at: Set(now),
            fired_at: Set(None),
        }
    }
}

/// Plan a timer inside the caller's transaction. A timer already planned
/// for the same kind and subject is superseded: it will never fire, and the
/// new one (the next generation) fires instead.
pub async fn plan<C: ConnectionTrait>(
    conn: &C,
    plan: &TimerPlan<'_>,
    now: DateTime<Utc>,
) -> Result<timer::Model, DbErr> {
    let same = || {
        sea_orm::Condition::all()
            .add(timer::Column::Kind.eq(plan.kind))
            .add(timer::Column::SubjectId.eq(plan.subject_id))
    };
    let latest = timer::Entity::find()
        .filter(same())
        .order_by_desc(timer::Column::Generation)
        .one(conn)
        .await?;
    timer::Entity::update_many()
        .col_expr(timer::Column::Status, Expr::value(TimerStatus::Superseded))
        .filter(same())
        .filter(timer::Column::Status.eq(TimerStatus::Planned))
        .exec(conn)
        .await?;
    let generation = latest.map_or(1, |t| t.generation + 1);
    plan.row(generation, now).insert(conn).await
}

/// Plan a timer unless its kind and subject were ever planned: for work that
/// happens once per subject (a daily run per business date), however often
/// this is called, by however many processes. `true` when this call planned it.
pub async fn plan_once<C: ConnectionTrait>(
    conn: &C,
    plan: &TimerPlan<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let identity = [
        timer::Column::Kind,
        timer::Column::SubjectId,
        timer::Column::Generation,
    ];
    let inserted = timer::Entity::insert(plan.row(1, now))
        .on_conflict(OnConflict::columns(identity).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Cancel what is planned for `kind` and `subject` (the wait is over), in
/// the caller's transaction; how many were cancelled.
pub async fn cancel_planned<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    subject_id: Uuid,
) -> Result<u64, DbErr> {
    Ok(timer::Entity::update_many()
        .col_expr(timer::Column::Status, Expr::value(TimerStatus::Cancelled))
        .filter(timer::Column::Kind.eq(kind))
        .filter(timer::Column::SubjectId.eq(subject_id))
        .filter(timer::Column::Status.eq(TimerStatus::Planned))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Which timers an operator looks at.
#[derive(Debug, Clone, Default)]
pub struct TimerFilter {
    pub kind: Option<String>,
    pub subject_id: Option<Uuid>,
    pub due_before: Option<DateTime<Utc>>,
    pub due_after: Option<DateTime<Utc>>,
    pub status: Option<TimerStatus>,
}

/// Timers matching `filter`, oldest planned first (ADMIN).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    filter: &TimerFilter,
    page: PageRequest,
) -> Result<Page<timer::Model>, DomainError> {
    Permission::ManageTimers.require(ctx)?;
    let mut query = timer::Entity::find();
    if let Some(kind) = &filter.kind {
        query = query.filter(timer::Column::Kind.eq(kind.as_str()));
    }
    if let Some(subject) = filter.subject_id {
        query = query.filter(timer::Column::SubjectId.eq(subject));
    }
    if let Some(before) = filter.due_before {
        query = query.filter(timer::Column::DueAt.lt(before));
    }
    if let Some(after) = filter.due_after {
        query = query.filter(timer::Column::DueAt.gte(after));
    }
    if let Some(status) = filter.status {
        query = query.filter(timer::Column::Status.eq(status));
    }
    Ok(fetch_page(db, query, timer::Column::Id, page, |t| t.id).await?)
}

/// One timer, for ADMIN; anyone else finds nothing.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Option<timer::Model>, DbErr> {
    if !Permission::ManageTimers.allows(ctx.actor.role) {
        return Ok(None);
    }
    timer::Entity::find_by_id(id).one(conn).await
}

/// Cancel a stuck timer (ADMIN, audited). Only a PLANNED timer can be
/// cancelled; one that fired, was superseded or cancelled is INVALID_STATE.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<timer::Model>, DomainError> {
    let w = Write::begin(db, ctx, Permission::ManageTimers).await?;
    let before = timer::Entity::find_by_id(id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::not_found("id", "timer"))?;
    let cancelled = timer::Entity::update_many()
        .col_expr(timer::Column::Status, Expr::value(TimerStatus::Cancelled))
        .filter(timer::Column::Id.eq(id))
        .filter(timer::Column::Status.eq(TimerStatus::Planned))
        .exec(w.conn())
        .await?;
    if cancelled.rows_affected != 1 {
        return Err(DomainError::rejected(
            &["id"],
            ErrorCode::InvalidState,
            format!("the timer is {}, not PLANNED", before.status),
        ));
    }
    let after = timer::Model {
        status: TimerStatus::Cancelled,
        ..before.clone()
    };
    w.commit_audited(SUBJECT_TYPE, id, "timer.cancelled", Some(&before), after)
        .await
}
