//! Customer notifications: which emails a change causes, the claim that stops
//! two senders sending one email, and the retry rule (capped attempts with
//! exponential backoff; permanent failures go straight to the dead letters).
//! Scheduling times (`next_attempt_at`, leases) are wall-clock.

use super::dead_letters;
use crate::customers;
use crate::kernel::db::begin_write;
use chrono::{DateTime, Duration, Utc};
use entity::notification;
pub use entity::{NotificationKind, NotificationStatus};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::backoff::{AfterFailure, FailureKind, MAX_ATTEMPTS};
use super::backoff::{after_failure, may_take_over};
use NotificationStatus as status;

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
    ensure(
        conn,
        NotificationKind::Welcome,
        customer_id,
        &email,
        now,
        mail_domain,
    )
    .await?;
    find_by_kind(conn, NotificationKind::Welcome, customer_id).await
}

/// Plan one email of `kind` about `subject_id` to `recipient`, unless it was
/// planned before: a duplicate event or a concurrent planner adds nothing.
/// The planned (or earlier) notification.
pub async fn ensure<C: ConnectionTrait>(
    conn: &C,
    kind: NotificationKind,
    subject_id: Uuid,
    recipient: &str,
    now: DateTime<Utc>,
    mail_domain: &str,
) -> Result<notification::Model, DbErr> {
    let id = Uuid::now_v7();
    let row = notification::ActiveModel {
        id: Set(id),
        kind: Set(kind),
        subject_id: Set(subject_id),
        recipient: Set(recipient.to_owned()),
        status: Set(status::Pending),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        message_id: Set(message_id(id, mail_domain)),
        created_at: Set(now),
        sent_at: Set(None),
    };
    // A duplicate loses on the unique (kind, subject, recipient) index and
    // inserts nothing; naming the columns makes that conflict the one ignored.
    notification::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                notification::Column::Kind,
                notification::Column::SubjectId,
                notification::Column::Recipient,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    notification::Entity::find()
        .filter(notification::Column::Kind.eq(kind))
        .filter(notification::Column::SubjectId.eq(subject_id))
        .filter(notification::Column::Recipient.eq(recipient))
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the notification just planned".into()))
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

crate::find_by_id! {
    pub fn find -> notification
}

/// A claim to send: the row as claimed (its `attempts` counts this one), and
/// whether it was taken over from a sender whose lease ran out (that sender
/// may have sent it: the at-least-once window). Reporting on it is
/// conditional on the claim still being this one.
#[derive(Debug)]
pub struct SendClaim {
    pub notification: notification::Model,
    pub taken_over: bool,
}

/// What a claim attempt came to.
#[derive(Debug)]
pub enum Claim {
    /// Ours to send and report on.
    Claimed(SendClaim),
    /// Abandoned by sender after sender until its attempts ran out: now a
    /// dead letter instead of another takeover.
    GaveUp,
    /// Sent, dead, not yet due, or held by another sender.
    NotClaimable,
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(notification::Column::Status.eq(status::Pending))
                .add(notification::Column::NextAttemptAt.lte(now)),
        )
        .add(abandoned(now))
}

/// SENDING past its lease: the sender died or hung without reporting.
fn abandoned(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(notification::Column::Status.eq(status::Sending))
        .add(notification::Column::LeaseUntil.lt(now))
}

/// Only the holder of this claim (status SENDING, attempt number unchanged)
/// may report on it: a late sender whose claim was taken over changes nothing.
fn still_held(claimed: &notification::Model) -> Condition {
    Condition::all()
        .add(notification::Column::Id.eq(claimed.id))
        .add(notification::Column::Status.eq(status::Sending))
        .add(notification::Column::Attempts.eq(claimed.attempts))
}

/// Claim a notification for sending until `now + lease`; the claim counts as
/// an attempt, so a sender that dies every time still runs out of attempts.
pub async fn claim(
    db: &DatabaseConnection,
    id: Uuid,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Claim, DbErr> {
    let Some(before) = find(db, id).await? else {
        return Ok(Claim::NotClaimable);
    };
    let taken_over = before.status == status::Sending;
    if taken_over && !may_take_over(before.attempts) {
        return give_up_abandoned(db, &before, now).await;
    }
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status::Sending))
        .col_expr(notification::Column::LeaseUntil, Expr::value(now + lease))
        .col_expr(
            notification::Column::Attempts,
            Expr::value(before.attempts + 1),
        )
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::Status.eq(before.status))
        .filter(notification::Column::Attempts.eq(before.attempts))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(Claim::NotClaimable);
    }
    Ok(match find(db, id).await? {
        Some(notification) => Claim::Claimed(SendClaim {
            notification,
            taken_over,
        }),
        None => Claim::NotClaimable,
    })
}

async fn give_up_abandoned(
    db: &DatabaseConnection,
    before: &notification::Model,
    now: DateTime<Utc>,
) -> Result<Claim, DbErr> {
    let error = before
        .last_error
        .clone()
        .unwrap_or_else(|| format!("claimed {} times; no sender reported back", before.attempts));
    let txn = begin_write(db).await?;
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status::Dead))
        .col_expr(notification::Column::LastError, Expr::value(error.clone()))
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(still_held(before))
        .filter(abandoned(now))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(Claim::NotClaimable);
    }
    dead_letters::record(
        &txn,
        dead_letters::kind::NOTIFICATION,
        before.id,
        &error,
        before.attempts,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Claim::GaveUp)
}

/// The server accepted the message. `false` when the claim was lost (taken
/// over after its lease ran out): then nothing changes.
pub async fn mark_sent(
    db: &DatabaseConnection,
    claimed: &notification::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status::Sent))
        .col_expr(notification::Column::SentAt, Expr::value(now))
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(still_held(claimed))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Record the failure of the claimed attempt and decide what follows; a dead
/// notification also gets a dead-letter row, in the same transaction. `None`
/// when the claim was lost: then nothing changes.
pub async fn record_failure(
    db: &DatabaseConnection,
    claimed: &notification::Model,
    kind: FailureKind,
    error: &str,
    now: DateTime<Utc>,
    base: Duration,
) -> Result<Option<AfterFailure>, DbErr> {
    let next = after_failure(claimed.attempts, kind, now, base);
    let (new_status, next_at) = match next {
        AfterFailure::RetryAt(at) => (status::Pending, at),
        AfterFailure::Dead => (status::Dead, now),
    };
    let txn = begin_write(db).await?;
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(new_status))
        .col_expr(
            notification::Column::LastError,
            Expr::value(error.to_owned()),
        )
        .col_expr(notification::Column::NextAttemptAt, Expr::value(next_at))
        .col_expr(
            notification::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(still_held(claimed))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    if next == AfterFailure::Dead {
        let attempts = claimed.attempts;
        dead_letters::record(
            &txn,
            dead_letters::kind::NOTIFICATION,
            claimed.id,
            error,
            attempts,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Some(next))
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

    #[test]
    fn message_ids_derive_from_the_notification_id() {
        let id = Uuid::now_v7();
        assert_eq!(message_id(id, "hub.example"), format!("<{id}@hub.example>"));
        assert_eq!(message_id(id, "x"), message_id(id, "x"));
    }
}
