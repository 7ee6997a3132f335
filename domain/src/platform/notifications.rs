//! Customer notifications: which emails a change causes, the claim that stops
//! two senders sending one email, and the retry rule (capped attempts with
//! exponential backoff; permanent failures go straight to the dead letters).
//! Scheduling times (`next_attempt_at`, leases) are wall-clock.

use super::dead_letters;
use crate::customers;
use chrono::{DateTime, Duration, Utc};
use entity::notification;
pub use entity::{NotificationKind, NotificationStatus};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MAX_ATTEMPTS: i32 = 5;
use NotificationStatus as status;

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Server down, 4xx: try again later.
    Transient,
    /// Rejected recipient, 5xx: retrying cannot help.
    Permanent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    Dead,
}

/// The retry rule. `attempts` counts the attempt that just failed.
/// Backoff doubles from `base`: base, 2·base, 4·base, …
pub fn after_failure(
    attempts: i32,
    kind: FailureKind,
    now: DateTime<Utc>,
    base: Duration,
) -> AfterFailure {
    if kind == FailureKind::Permanent || attempts >= MAX_ATTEMPTS {
        return AfterFailure::Dead;
    }
    let exponent = (attempts - 1).clamp(0, 16) as u32;
    AfterFailure::RetryAt(now + base * 2_i32.pow(exponent))
}

/// The Message-ID of a notification: derived from its id, so every send of
/// one notification carries the same Message-ID.
pub fn message_id(id: Uuid, mail_domain: &str) -> String {
    format!("<{id}@{mail_domain}>")
}

/// Job payload: what the welcome-email job needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationRef {
    pub notification_id: Uuid,
}

/// Plan the welcome email of a new customer: `None` when it has no email
/// address. Running it twice plans one email.
pub async fn ensure_welcome<C: ConnectionTrait>(
    conn: &C,
    customer_id: Uuid,
    now: DateTime<Utc>,
    mail_domain: &str,
) -> Result<Option<notification::Model>, DbErr> {
    if let Some(existing) = find_by_kind(conn, NotificationKind::Welcome, customer_id).await? {
        return Ok(Some(existing));
    }
    let customer = customers::find(conn, customer_id).await?;
    let Some(email) = customer.and_then(|c| c.email) else {
        return Ok(None);
    };
    let id = Uuid::now_v7();
    let row = notification::ActiveModel {
        id: Set(id),
        kind: Set(NotificationKind::Welcome),
        subject_id: Set(customer_id),
        recipient: Set(email),
        status: Set(status::Pending),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        message_id: Set(message_id(id, mail_domain)),
        created_at: Set(now),
        sent_at: Set(None),
    };
    // A concurrent duplicate loses on the unique (kind, subject) index and
    // inserts nothing; naming the columns makes that conflict the one ignored.
    notification::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                notification::Column::Kind,
                notification::Column::SubjectId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    find_by_kind(conn, NotificationKind::Welcome, customer_id).await
}

async fn find_by_kind<C: ConnectionTrait>(
    conn: &C,
    kind: NotificationKind,
    subject_id: Uuid,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::Kind.eq(kind))
        .filter(notification::Column::SubjectId.eq(subject_id))
        .one(conn)
        .await
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::find_by_id(id).one(conn).await
}

/// A claim to send: the row, and whether it was taken over from a sender whose
/// lease ran out (that sender may have sent it: the at-least-once window).
#[derive(Debug)]
pub struct SendClaim {
    pub notification: notification::Model,
    pub taken_over: bool,
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(notification::Column::Status.eq(status::Pending))
                .add(notification::Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(notification::Column::Status.eq(status::Sending))
                .add(notification::Column::LeaseUntil.lt(now)),
        )
}

/// Claim a notification for sending until `now + lease`. `None` when it is
/// already sent, dead, not yet due, or held by another sender.
pub async fn claim(
    db: &DatabaseConnection,
    id: Uuid,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<SendClaim>, DbErr> {
    let Some(before) = find(db, id).await? else {
        return Ok(None);
    };
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status::Sending))
        .col_expr(notification::Column::LeaseUntil, Expr::value(now + lease))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::Status.eq(before.status))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    Ok(find(db, id).await?.map(|notification| SendClaim {
        notification,
        taken_over: before.status == status::Sending,
    }))
}

/// The server accepted the message.
pub async fn mark_sent(db: &DatabaseConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status::Sent))
        .col_expr(notification::Column::SentAt, Expr::value(now))
        .col_expr(
            notification::Column::Attempts,
            Expr::col(notification::Column::Attempts).add(1),
        )
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(notification::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Record a failed attempt and decide what follows; a dead notification also
/// gets a dead-letter row, in the same transaction.
pub async fn record_failure(
    db: &DatabaseConnection,
    current: &notification::Model,
    kind: FailureKind,
    error: &str,
    now: DateTime<Utc>,
    base: Duration,
) -> Result<AfterFailure, DbErr> {
    let attempts = current.attempts + 1;
    let next = after_failure(attempts, kind, now, base);
    let txn = db.begin().await?;
    let (new_status, next_at) = match next {
        AfterFailure::RetryAt(at) => (status::Pending, at),
        AfterFailure::Dead => (status::Dead, now),
    };
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(new_status))
        .col_expr(notification::Column::Attempts, Expr::value(attempts))
        .col_expr(
            notification::Column::LastError,
            Expr::value(error.to_owned()),
        )
        .col_expr(notification::Column::NextAttemptAt, Expr::value(next_at))
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(notification::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    if next == AfterFailure::Dead {
        dead_letters::record(
            &txn,
            dead_letters::kind::NOTIFICATION,
            current.id,
            error,
            attempts,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(next)
}

/// Notifications a sweep should push again: due for `grace` and still
/// pending (their job was lost), or stuck SENDING past their lease.
pub async fn overdue(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    grace: Duration,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let rows = notification::Entity::find()
        .filter(claimable(now - grace))
        .order_by_asc(notification::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|n| n.id).collect())
}

/// Give a dead notification a fresh set of attempts, due at `now_wall`.
pub async fn rearm<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now_wall: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status::Pending))
        .col_expr(notification::Column::Attempts, Expr::value(0))
        .col_expr(notification::Column::NextAttemptAt, Expr::value(now_wall))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::Status.eq(status::Dead))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Counts by status, for metrics.
pub async fn counts_by_status(
    db: &DatabaseConnection,
) -> Result<Vec<(NotificationStatus, i64)>, DbErr> {
    let mut out = Vec::new();
    for s in [status::Pending, status::Sending, status::Sent, status::Dead] {
        use sea_orm::PaginatorTrait;
        let n = notification::Entity::find()
            .filter(notification::Column::Status.eq(s))
            .count(db)
            .await?;
        out.push((s, n as i64));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn transient_failures_back_off_exponentially_then_die() {
        let now = at("2026-11-23T00:00:00Z");
        let base = Duration::seconds(30);
        assert_eq!(
            after_failure(1, FailureKind::Transient, now, base),
            AfterFailure::RetryAt(now + Duration::seconds(30))
        );
        assert_eq!(
            after_failure(2, FailureKind::Transient, now, base),
            AfterFailure::RetryAt(now + Duration::seconds(60))
        );
        assert_eq!(
            after_failure(4, FailureKind::Transient, now, base),
            AfterFailure::RetryAt(now + Duration::seconds(240))
        );
        assert_eq!(
            after_failure(MAX_ATTEMPTS, FailureKind::Transient, now, base),
            AfterFailure::Dead
        );
    }

    #[test]
    fn permanent_failures_die_at_once() {
        let now = at("2026-11-23T00:00:00Z");
        assert_eq!(
            after_failure(1, FailureKind::Permanent, now, Duration::seconds(30)),
            AfterFailure::Dead
        );
    }

    #[test]
    fn message_ids_derive_from_the_notification_id() {
        let id = Uuid::now_v7();
        assert_eq!(message_id(id, "hub.example"), format!("<{id}@hub.example>"));
        assert_eq!(message_id(id, "x"), message_id(id, "x"));
    }
}
