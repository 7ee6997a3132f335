//! The sweep that fires due timers. It sits above `timers` (which plans and
//! lists them) and `daily` (the one recurring kind), so the daily run can
//! plan its next date in the same transaction that fires it.

use super::daily;
use super::timers::{TimerFired, kind};
use crate::kernel::db::begin_write;
use crate::kernel::write::pending_outbox_row;
use crate::platform::outbox::topic;
use crate::rules::calendar::BusinessCalendar;
use chrono::{DateTime, Utc};
use entity::{TimerStatus, timer};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// Fire every timer due at `now` (app clock), `batch` per transaction, and
/// return how many fired. Each fire is a conditional PLANNED → FIRED update
/// plus the timer's outbox row in one transaction, so with any number of
/// sweeps running each timer fires once; on PostgreSQL candidates are read
/// `FOR UPDATE SKIP LOCKED`, so concurrent sweeps take different timers.
/// Recurring kinds plan their next occurrence in the same transaction.
pub async fn fire_due(
    db: &DatabaseConnection,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<usize, DbErr> {
    let mut fired = 0;
    loop {
        // A read first: an idle sweep never takes the (SQLite) write lock.
        let any_due = timer::Entity::find()
            .filter(timer::Column::Status.eq(TimerStatus::Planned))
            .filter(timer::Column::DueAt.lte(now))
            .one(db)
            .await?
            .is_some();
        if !any_due {
            return Ok(fired);
        }
        let txn = begin_write(db).await?;
        let mut candidates = timer::Entity::find()
            .filter(timer::Column::Status.eq(TimerStatus::Planned))
            .filter(timer::Column::DueAt.lte(now))
            .order_by_asc(timer::Column::DueAt)
            .limit(batch);
        if db.get_database_backend() == DbBackend::Postgres {
            candidates = candidates.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let candidates = candidates.all(&txn).await?;
        let seen = candidates.len();
        for due in candidates {
            let claimed = timer::Entity::update_many()
                .col_expr(timer::Column::Status, Expr::value(TimerStatus::Fired))
                .col_expr(timer::Column::FiredAt, Expr::value(now))
                .filter(timer::Column::Id.eq(due.id))
                .filter(timer::Column::Status.eq(TimerStatus::Planned))
                .exec(&txn)
                .await?;
            if claimed.rows_affected != 1 {
                continue;
            }
            let event = TimerFired {
                timer_id: due.id,
                kind: due.kind.clone(),
                subject_id: due.subject_id,
                generation: due.generation,
                payload: serde_json::from_str(&due.payload).unwrap_or(serde_json::Value::Null),
            };
            let payload = serde_json::to_string(&event).expect("plain data");
            pending_outbox_row(topic::TIMER_FIRED, due.subject_id, payload)
                .insert(&txn)
                .await?;
            if due.kind == kind::DAILY_RUN {
                daily::plan_after(&txn, calendar, &event, now).await?;
            }
            fired += 1;
        }
        txn.commit().await?;
        if (seen as u64) < batch {
            return Ok(fired);
        }
    }
}
