//! Poison jobs: work that fails every time ends as a dead letter ADMIN sees,
//! after a capped number of attempts, and a sender whose claim was taken over
//! cannot overwrite what the new holder recorded.

use chrono::{Duration as Span, Utc};
use domain::platform::backoff::MAX_ATTEMPTS;
use domain::platform::notifications::{self, Claim, FailureKind};
use entity::{NotificationKind, NotificationStatus, OutboxStatus, notification, outbox};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use std::time::Duration;
use tests::{TestApp, an_outbox_row, nodes, wait_for_value};
use uuid::Uuid;

/// Five attempts one after another (200 ms backoff, doubling), each waiting
/// on the queue; on a loaded machine (a CI run beside the suite) one chain
/// once took over 60 s on PostgreSQL + Redis.
const PATIENCE: Duration = Duration::from_secs(150);

/// A welcome email planned for `subject_id`, due at `due`.
async fn plan_welcome(app: &TestApp, subject_id: Uuid, due: chrono::DateTime<Utc>) -> Uuid {
    let id = Uuid::now_v7();
    notification::ActiveModel {
        id: Set(id),
        kind: Set(NotificationKind::Welcome),
        subject_id: Set(subject_id),
        recipient: Set("nobody@poison.example".into()),
        status: Set(NotificationStatus::Pending),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(due),
        lease_until: Set(None),
        message_id: Set(format!("<{id}@hub.localhost>")),
        created_at: Set(due),
        sent_at: Set(None),
    }
    .insert(app.db())
    .await
    .expect("insert a notification");
    id
}

async fn notification_row(app: &TestApp, id: Uuid) -> notification::Model {
    notification::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .expect("the notification")
}

/// The dead letter ADMIN sees for `reference_id`, once there is one.
async fn dead_letter_for(app: &TestApp, reference_id: Uuid) -> serde_json::Value {
    let admin = app.admin();
    wait_for_value("a dead letter ADMIN sees", PATIENCE, async || {
        nodes(&admin.dead_jobs().await)
            .into_iter()
            .find(|d| d["referenceId"] == reference_id.to_string())
    })
    .await
}

#[tokio::test]
async fn a_notification_that_cannot_be_prepared_ends_as_a_dead_letter_after_its_cap() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    // Its customer does not exist: rendering fails after every claim.
    let id = plan_welcome(&app, Uuid::now_v7(), Utc::now()).await;

    let dead = dead_letter_for(&app, id).await;
    assert_eq!(dead["jobKind"], "notification");
    assert_eq!(dead["attempts"], MAX_ATTEMPTS);
    let error = dead["lastError"].as_str().unwrap();
    assert!(
        error.contains("customer of a welcome email not found"),
        "{error}"
    );
    let row = notification_row(&app, id).await;
    assert_eq!(row.status, NotificationStatus::Dead);
    assert_eq!(row.attempts, MAX_ATTEMPTS);
}

#[tokio::test]
async fn an_outbox_row_whose_job_keeps_failing_ends_as_a_dead_letter_and_can_be_retried() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    // Not the payload its topic needs: its job fails on every attempt.
    let retry = domain::platform::outbox::topic::NOTIFICATION_RETRY;
    let row = an_outbox_row(retry, "not json")
        .insert(app.db())
        .await
        .unwrap();
    let id = row.id;

    let dead = dead_letter_for(&app, id).await;
    assert_eq!(dead["jobKind"], "outbox");
    assert_eq!(dead["attempts"], MAX_ATTEMPTS);
    assert!(
        dead["lastError"].as_str().unwrap().contains("expected"),
        "{dead}"
    );
    let row = outbox::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Dead);
    assert!(row.processed_at.is_none());

    // ADMIN's retry hands it back to the relay with fresh attempts; it fails
    // again and comes back as a new dead letter, still capped.
    let retried = app
        .admin()
        .retry_dead_job(dead["id"].as_str().unwrap())
        .await;
    assert_eq!(retried["userErrors"], json!([]));
    let again = wait_for_value("a second dead letter", PATIENCE, async || {
        nodes(&app.admin().dead_jobs().await)
            .into_iter()
            .find(|d| d["referenceId"] == id.to_string() && d["id"] != dead["id"])
    })
    .await;
    assert_eq!(again["attempts"], MAX_ATTEMPTS);
}

#[tokio::test]
async fn a_late_sender_cannot_overwrite_a_takeover() {
    let app = TestApp::spawn().await;
    let db = app.db();
    // A day ahead, so the app's own worker never finds it due.
    let t0 = Utc::now() + Span::days(1);
    let lease = Span::seconds(10);
    let base = Span::seconds(1);
    let id = plan_welcome(&app, Uuid::now_v7(), t0).await;

    let Claim::Claimed(first) = notifications::claim(db, id, t0, lease).await.unwrap() else {
        panic!("the first sender claims it")
    };
    let later = t0 + Span::seconds(11);
    let Claim::Claimed(second) = notifications::claim(db, id, later, lease).await.unwrap() else {
        panic!("the lease ran out: another sender takes over")
    };
    assert!(second.taken_over);
    assert_eq!(
        second.notification.attempts, 2,
        "the abandoned claim counted"
    );

    // The first sender wakes up late: neither its success nor its failure lands.
    let stale = &first.notification;
    assert!(!notifications::mark_sent(db, stale, later).await.unwrap());
    let failure =
        notifications::record_failure(db, stale, FailureKind::Permanent, "late", later, base);
    assert_eq!(failure.await.unwrap(), None);
    assert_eq!(
        notification_row(&app, id).await.status,
        NotificationStatus::Sending
    );

    assert!(
        notifications::mark_sent(db, &second.notification, later)
            .await
            .unwrap()
    );
    let failure =
        notifications::record_failure(db, stale, FailureKind::Transient, "late", later, base);
    assert_eq!(failure.await.unwrap(), None, "SENT stays SENT");
    let row = notification_row(&app, id).await;
    assert_eq!(row.status, NotificationStatus::Sent);
    assert!(row.last_error.is_none());
}

#[tokio::test]
async fn a_claim_abandoned_until_its_cap_becomes_a_dead_letter() {
    let app = TestApp::spawn().await;
    let db = app.db();
    let mut now = Utc::now() + Span::days(1);
    let lease = Span::seconds(10);
    let id = plan_welcome(&app, Uuid::now_v7(), now).await;
    // Every sender dies after claiming: each claim is an attempt.
    for attempt in 1..=MAX_ATTEMPTS {
        let Claim::Claimed(claim) = notifications::claim(db, id, now, lease).await.unwrap() else {
            panic!("claim {attempt} succeeds")
        };
        assert_eq!(claim.notification.attempts, attempt);
        now += Span::seconds(11);
    }
    let outcome = notifications::claim(db, id, now, lease).await.unwrap();
    assert!(matches!(outcome, Claim::GaveUp), "{outcome:?}");
    let row = notification_row(&app, id).await;
    assert_eq!(row.status, NotificationStatus::Dead);
    let dead = dead_letter_for(&app, id).await;
    assert_eq!(dead["attempts"], MAX_ATTEMPTS);
    assert!(
        dead["lastError"]
            .as_str()
            .unwrap()
            .contains("no sender reported back")
    );
}
