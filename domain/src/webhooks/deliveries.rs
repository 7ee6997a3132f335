//! Deliveries: one per event per subscription, its body fixed when it is
//! created; claimed with a lease when due (at most a few in flight per
//! subscription, so a slow target never holds up the others); every
//! attempt logged with what came back; retried on the Standard Webhooks
//! schedule (`rules::webhooks`) through `next_attempt_at`, never by
//! sleeping. A subscription whose deliveries keep failing is disabled and
//! ADMIN told. Times here are the app clock's (business time), so retries
//! follow a moved test clock.

use super::events::{self, WebhookEvent};
use super::{DISABLE_AFTER, SUBJECT_TYPE as SUBSCRIPTION};
use crate::kernel::db::begin_write;
use crate::kernel::write::pending_outbox_row;
use crate::kernel::{
    Committed, Ctx, DomainError, ErrorCode, Page, PageRequest, Permission, Write, fetch_page_sorted,
};
use crate::platform::outbox::topic;
use crate::rules::webhooks::{AttemptOutcome, classify, next_wait};
use chrono::{DateTime, Duration, Utc};
use entity::{
    WebhookDeliveryStatus, WebhookEventType, webhook_attempt, webhook_delivery,
    webhook_subscription,
};
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

use WebhookDeliveryStatus as Status;

pub const SUBJECT_TYPE: &str = "webhook_delivery";
/// How long a sender holds a claimed delivery (well over the request
/// timeout) before another may take it.
pub const LEASE: Duration = Duration::seconds(60);
/// Deliveries of one subscription in flight at once.
pub const PER_SUBSCRIPTION: usize = 4;
/// Bytes of an answer kept in the attempt log.
pub const EXCERPT_BYTES: usize = 500;

/// A fresh `webhook-id`: `msg_<uuid>`.
pub fn new_webhook_id() -> String {
    format!("msg_{}", Uuid::now_v7().simple())
}

/// The outbox payload telling ADMIN a subscription was disabled (subject:
/// the delivery whose failure disabled it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Disabled {
    pub subscription_id: Uuid,
}

fn new_delivery(
    subscription_id: Uuid,
    event_type: WebhookEventType,
    event_id: Uuid,
    body: String,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        webhook_id: Set(new_webhook_id()),
        subscription_id: Set(subscription_id),
        event_type: Set(event_type),
        event_id: Set(event_id),
        body: Set(body),
        status: Set(Status::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_http_status: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        completed_at: Set(None),
    }
}

/// One delivery of event `event_id` for each active subscription wanting
/// its type, due at `now`, the body built once. A redelivered event adds
/// nothing (unique per subscription and event). The deliveries added.
pub async fn fan_out(
    db: &DatabaseConnection,
    event_id: Uuid,
    event: &WebhookEvent,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let wanting: Vec<webhook_subscription::Model> = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| super::stored_types(&s.event_types).contains(&event.event_type))
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let data = events::project(db, event.event_type, event.subject_id)
        .await?
        .unwrap_or_else(|| serde_json::json!({ "id": event.subject_id.to_string() }));
    let body = events::body(event.event_type, event.occurred_at, data);
    let mut added = 0;
    for subscription in wanting {
        let row = new_delivery(
            subscription.id,
            event.event_type,
            event_id,
            body.clone(),
            now,
        );
        added += webhook_delivery::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    webhook_delivery::Column::SubscriptionId,
                    webhook_delivery::Column::EventId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(added)
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone)]
pub struct Due {
    /// As claimed: `attempts` counts this one.
    pub delivery: webhook_delivery::Model,
    pub url: String,
    /// `whsec_…`, as of the claim.
    pub secret: String,
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(webhook_delivery::Column::Status.eq(Status::Pending))
        .add(webhook_delivery::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(webhook_delivery::Column::LeaseUntil.is_null())
                .add(webhook_delivery::Column::LeaseUntil.lt(now)),
        )
}

/// Claim up to `limit` due deliveries of active subscriptions until
/// `now + LEASE`, at most `PER_SUBSCRIPTION` of one subscription in flight
/// (counting those other senders hold). Each is taken with a conditional
/// update, so two senders never hold one delivery.
pub async fn claim_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Due>, DbErr> {
    let active: HashMap<Uuid, webhook_subscription::Model> = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = active.keys().copied().collect();
    let held: Vec<Uuid> = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::SubscriptionId)
        .filter(webhook_delivery::Column::Status.eq(Status::Pending))
        .filter(webhook_delivery::Column::LeaseUntil.gte(now))
        .into_tuple()
        .all(db)
        .await?;
    let mut in_flight: HashMap<Uuid, usize> = HashMap::new();
    for id in held {
        *in_flight.entry(id).or_default() += 1;
    }
    let candidates = webhook_delivery::Entity::find()
        .filter(claimable(now))
        .filter(webhook_delivery::Column::SubscriptionId.is_in(ids))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .limit((limit * PER_SUBSCRIPTION) as u64)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for row in candidates {
        if claimed.len() >= limit {
            break;
        }
        let count = in_flight.entry(row.subscription_id).or_default();
        if *count >= PER_SUBSCRIPTION {
            continue;
        }
        let taken = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::LeaseUntil,
                Expr::value(now + LEASE),
            )
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::value(row.attempts + 1),
            )
            .filter(webhook_delivery::Column::Id.eq(row.id))
            .filter(webhook_delivery::Column::Attempts.eq(row.attempts))
            .filter(claimable(now))
            .exec(db)
            .await?;
        if taken.rows_affected != 1 {
            continue;
        }
        *count += 1;
        let subscription = &active[&row.subscription_id];
        claimed.push(Due {
            delivery: webhook_delivery::Model {
                attempts: row.attempts + 1,
                lease_until: Some(now + LEASE),
                ..row
            },
            url: subscription.url.clone(),
            secret: subscription.secret.clone(),
        });
    }
    // Sign with the subscription as it is now, not as it was when this
    // round began: a rotation (or a new URL) committed meanwhile applies to
    // every delivery claimed after it.
    let claimed_for: Vec<Uuid> = claimed.iter().map(|d| d.delivery.subscription_id).collect();
    if !claimed_for.is_empty() {
        let fresh: HashMap<Uuid, webhook_subscription::Model> =
            webhook_subscription::Entity::find()
                .filter(webhook_subscription::Column::Id.is_in(claimed_for))
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
        for due in &mut claimed {
            if let Some(s) = fresh.get(&due.delivery.subscription_id) {
                due.url.clone_from(&s.url);
                due.secret.clone_from(&s.secret);
            }
        }
    }
    Ok(claimed)
}

/// What one attempt came to.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub started_at: DateTime<Utc>,
    /// `None`: no answer (timeout, connection error, or not sent).
    pub http_status: Option<u16>,
    pub latency_ms: i64,
    pub excerpt: Option<String>,
    pub error: Option<String>,
    /// The target may not be called (it resolves to a refused address):
    /// final, like a 4xx.
    pub refused: bool,
}

/// What follows an attempt: the delivery's status and, when pending, when
/// it is tried again. Pure.
pub fn after_attempt(
    attempts: i32,
    answer: &Answer,
    now: DateTime<Utc>,
    jitter: f64,
) -> (WebhookDeliveryStatus, Option<DateTime<Utc>>) {
    let outcome = if answer.refused {
        AttemptOutcome::Fail
    } else {
        classify(answer.http_status)
    };
    match outcome {
        AttemptOutcome::Delivered => (Status::Succeeded, None),
        AttemptOutcome::Fail => (Status::Failed, None),
        AttemptOutcome::Retry => {
            let wait = next_wait(u32::try_from(attempts).unwrap_or(u32::MAX), jitter)
                .and_then(|w| Duration::from_std(w).ok());
            match wait {
                Some(wait) => (Status::Pending, Some(now + wait)),
                None => (Status::Dead, None),
            }
        }
    }
}

/// Record the claimed attempt and what follows, in one transaction: the
/// attempt row, the delivery's new status, and the subscription's failure
/// count (reset by a success; FAILED or DEAD adds one, and reaching
/// `DISABLE_AFTER` disables it and tells ADMIN). `None` when the claim was
/// lost (another sender took it over after the lease): nothing changes.
pub async fn record_attempt(
    db: &DatabaseConnection,
    due: &Due,
    answer: &Answer,
    now: DateTime<Utc>,
    jitter: f64,
) -> Result<Option<WebhookDeliveryStatus>, DbErr> {
    let claimed = &due.delivery;
    let (status, next_at) = after_attempt(claimed.attempts, answer, now, jitter);
    let txn = begin_write(db).await?;
    let finished = (status != Status::Pending).then_some(now);
    let updated = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(next_at.unwrap_or(claimed.next_attempt_at)),
        )
        .col_expr(
            webhook_delivery::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_delivery::Column::LastHttpStatus,
            Expr::value(answer.http_status.map(i32::from)),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(webhook_delivery::Column::CompletedAt, Expr::value(finished))
        .filter(webhook_delivery::Column::Id.eq(claimed.id))
        .filter(webhook_delivery::Column::Status.eq(Status::Pending))
        .filter(webhook_delivery::Column::Attempts.eq(claimed.attempts))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    let number = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.eq(claimed.id))
        .count(&txn)
        .await?;
    webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(claimed.id),
        number: Set(i32::try_from(number).unwrap_or(i32::MAX - 1) + 1),
        started_at: Set(answer.started_at),
        http_status: Set(answer.http_status.map(i32::from)),
        latency_ms: Set(answer.latency_ms),
        response_excerpt: Set(answer.excerpt.clone()),
        error: Set(answer.error.clone()),
    }
    .insert(&txn)
    .await?;
    match status {
        Status::Succeeded => {
            webhook_subscription::Entity::update_many()
                .col_expr(
                    webhook_subscription::Column::ConsecutiveFailures,
                    Expr::value(0),
                )
                .filter(webhook_subscription::Column::Id.eq(claimed.subscription_id))
                .exec(&txn)
                .await?;
        }
        Status::Failed | Status::Dead => {
            count_failure(&txn, claimed, now).await?;
        }
        Status::Pending => {}
    }
    txn.commit().await?;
    Ok(Some(status))
}

/// One more FAILED or DEAD delivery in a row for its subscription; at
/// `DISABLE_AFTER` an active subscription is disabled (its version moves
/// on) and ADMIN is told through the outbox.
async fn count_failure<C: ConnectionTrait>(
    conn: &C,
    delivery: &webhook_delivery::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(subscription) = super::find(conn, delivery.subscription_id).await? else {
        return Ok(());
    };
    let failures = subscription.consecutive_failures + 1;
    let disable = subscription.active && failures >= DISABLE_AFTER;
    let mut update = webhook_subscription::Entity::update_many()
        .col_expr(
            webhook_subscription::Column::ConsecutiveFailures,
            Expr::value(failures),
        )
        .filter(webhook_subscription::Column::Id.eq(subscription.id));
    if disable {
        let reason = format!(
            "{failures} deliveries in a row failed or ran out of attempts (the last: {})",
            delivery.webhook_id
        );
        update = update
            .col_expr(webhook_subscription::Column::Active, Expr::value(false))
            .col_expr(webhook_subscription::Column::DisabledAt, Expr::value(now))
            .col_expr(
                webhook_subscription::Column::DisabledReason,
                Expr::value(reason),
            )
            .col_expr(webhook_subscription::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                webhook_subscription::Column::Version,
                Expr::col(webhook_subscription::Column::Version).add(1),
            );
    }
    update.exec(conn).await?;
    if disable {
        let payload = serde_json::to_string(&Disabled {
            subscription_id: subscription.id,
        })
        .expect("plain data");
        pending_outbox_row(topic::WEBHOOK_DISABLED, delivery.id, payload)
            .insert(conn)
            .await?;
        tracing::warn!(subscription_id = %subscription.id, failures, "webhook subscription disabled");
    }
    Ok(())
}

/// Send a DEAD or FAILED delivery again (ADMIN; audited): PENDING and due
/// now with a fresh set of attempts, the same `webhook-id` and body; its
/// attempt log is kept (numbering goes on).
pub async fn replay(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<webhook_delivery::Model>, DomainError> {
    let w = Write::begin(db, ctx, Permission::ManageWebhooks).await?;
    let before = webhook_delivery::Entity::find_by_id(id)
        .one(w.conn())
        .await?
        .ok_or_else(|| DomainError::not_found("id", "webhook delivery"))?;
    if !matches!(before.status, Status::Dead | Status::Failed) {
        return Err(DomainError::rejected(
            &["id"],
            ErrorCode::InvalidState,
            format!(
                "only a DEAD or FAILED delivery is replayed; this one is {}",
                before.status
            ),
        ));
    }
    let subscription = super::find(w.conn(), before.subscription_id).await?;
    if !subscription.is_some_and(|s| s.active) {
        return Err(DomainError::rejected(
            &["id"],
            ErrorCode::InvalidState,
            "its subscription is disabled or deleted: activate it first",
        ));
    }
    let now = w.now();
    let after = webhook_delivery::ActiveModel {
        id: sea_orm::Unchanged(id),
        status: Set(Status::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        completed_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(w.conn())
    .await?;
    w.commit_audited(
        SUBJECT_TYPE,
        id,
        "webhook.delivery_replayed",
        Some(&before),
        after,
    )
    .await
}

/// Send a `webhook.test` event to one subscription only (ADMIN; audited on
/// the subscription): a delivery due now.
pub async fn send_test(
    db: &DatabaseConnection,
    ctx: &Ctx,
    subscription_id: Uuid,
) -> Result<Committed<webhook_delivery::Model>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageWebhooks).await?;
    let subscription = super::find(w.conn(), subscription_id)
        .await?
        .ok_or_else(|| DomainError::not_found("subscriptionId", "webhook subscription"))?;
    let now = w.now();
    let body = events::body(
        WebhookEventType::Test,
        now,
        events::test_data(subscription.id),
    );
    let row = w
        .insert(new_delivery(
            subscription.id,
            WebhookEventType::Test,
            Uuid::now_v7(),
            body,
            now,
        ))
        .await?;
    w.commit_audited(
        SUBSCRIPTION,
        subscription.id,
        "webhook.test_sent",
        None,
        row,
    )
    .await
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<WebhookDeliveryStatus>,
    pub event_type: Option<WebhookEventType>,
}

/// A subscription's deliveries, newest first (ADMIN).
pub async fn list(
    db: &DatabaseConnection,
    ctx: &Ctx,
    subscription_id: Uuid,
    filter: &DeliveryFilter,
    page: PageRequest,
) -> Result<Page<webhook_delivery::Model>, DomainError> {
    Permission::ManageWebhooks.require(ctx)?;
    let mut query = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SubscriptionId.eq(subscription_id));
    if let Some(status) = filter.status {
        query = query.filter(webhook_delivery::Column::Status.eq(status));
    }
    if let Some(event_type) = filter.event_type {
        query = query.filter(webhook_delivery::Column::EventType.eq(event_type));
    }
    Ok(
        fetch_page_sorted(db, query, webhook_delivery::Column::Id, page, true, |d| {
            d.id
        })
        .await?,
    )
}

/// Attempts of one delivery, first first.
pub async fn attempts_of<C: ConnectionTrait>(
    conn: &C,
    delivery_id: Uuid,
) -> Result<Vec<webhook_attempt::Model>, DbErr> {
    webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(webhook_attempt::Column::Number)
        .all(conn)
        .await
}

crate::find_by_id! {
    /// A delivery by id (no permission check).
    pub fn find -> webhook_delivery
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn answer(status: Option<u16>) -> Answer {
        Answer {
            http_status: status,
            ..Answer::default()
        }
    }

    #[test]
    fn success_is_final_retryable_answers_wait_final_answers_fail() {
        let now = at("2026-11-23T00:00:00Z");
        assert_eq!(
            after_attempt(1, &answer(Some(204)), now, 0.5),
            (Status::Succeeded, None)
        );
        assert_eq!(
            after_attempt(1, &answer(Some(500)), now, 0.5),
            (Status::Pending, Some(now + Duration::seconds(5)))
        );
        assert_eq!(
            after_attempt(2, &answer(None), now, 0.5),
            (Status::Pending, Some(now + Duration::minutes(5)))
        );
        assert_eq!(
            after_attempt(1, &answer(Some(404)), now, 0.5),
            (Status::Failed, None)
        );
        let refused = Answer {
            refused: true,
            ..Answer::default()
        };
        assert_eq!(after_attempt(1, &refused, now, 0.5), (Status::Failed, None));
    }

    #[test]
    fn the_last_retryable_failure_is_dead() {
        let now = at("2026-11-23T00:00:00Z");
        let last = crate::rules::webhooks::MAX_ATTEMPTS as i32;
        assert_eq!(
            after_attempt(last - 1, &answer(Some(503)), now, 0.0).0,
            Status::Pending
        );
        assert_eq!(
            after_attempt(last, &answer(Some(503)), now, 0.0),
            (Status::Dead, None)
        );
    }

    #[test]
    fn webhook_ids_are_msg_prefixed_and_unique() {
        let (a, b) = (new_webhook_id(), new_webhook_id());
        assert!(a.starts_with("msg_") && a.len() == 36, "{a}");
        assert_ne!(a, b);
    }
}
