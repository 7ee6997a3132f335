//! Retention: finished outbox rows, finished job rows and old sign-in
//! failures are forgotten after their time; what is unfinished stays.

use chrono::{Duration as Span, Utc};
use domain::platform::outbox::{RETENTION, purge_finished};
use entity::{OutboxStatus, login_failure, outbox};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use std::time::Duration;
use tests::{TestApp, an_outbox_row, wait_for};
use uuid::Uuid;

/// A relayed row (so the app's own relay leaves it alone), finished or not.
async fn outbox_row(app: &TestApp, processed_at: Option<chrono::DateTime<Utc>>) -> Uuid {
    let mut row = an_outbox_row("test.retention", "{}");
    row.status = Set(OutboxStatus::Relayed);
    row.relayed_at = Set(Some(Utc::now()));
    row.processed_at = Set(processed_at);
    row.insert(app.db()).await.expect("insert an outbox row").id
}

#[tokio::test]
async fn finished_outbox_rows_are_forgotten_after_the_retention_period() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let old = outbox_row(&app, Some(now - RETENTION - Span::hours(1))).await;
    let recent = outbox_row(&app, Some(now - Span::hours(1))).await;
    let unfinished = outbox_row(&app, None).await;
    assert_eq!(purge_finished(app.db(), now).await.unwrap(), 1);
    let exists = async |id| {
        outbox::Entity::find_by_id(id)
            .one(app.db())
            .await
            .unwrap()
            .is_some()
    };
    assert!(!exists(old).await);
    assert!(exists(recent).await);
    assert!(exists(unfinished).await);
}

#[tokio::test]
async fn sign_in_failures_older_than_the_window_are_forgotten() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    for age in [
        Span::minutes(1),
        domain::users::login::WINDOW + Span::minutes(1),
    ] {
        login_failure::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_key: Set("someone@example.com".into()),
            client_key: Set("127.0.0.1".into()),
            failed_at: Set(now - age),
        }
        .insert(app.db())
        .await
        .unwrap();
    }
    assert_eq!(
        domain::users::purge_old_failures(app.db(), now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.count(login_failure::Entity).await, 1);
}

#[tokio::test]
async fn finished_job_rows_of_the_embedded_queue_are_forgotten() {
    let app = TestApp::spawn().await;
    if !app.has_embedded_worker() {
        // The Redis queue is not trimmed yet (see the README's fleet notes).
        return;
    }
    let id = app
        .customer_named("Kept Briefly", "brief@example.com")
        .await;
    wait_for(
        "the welcome email sent",
        Duration::from_secs(60),
        async || {
            app.notification_for(&id)
                .await
                .is_some_and(|n| n.status == entity::NotificationStatus::Sent)
        },
    )
    .await;
    let queues = &app.app.state.queues;
    // Nothing is old enough yet.
    assert_eq!(
        queues.purge_finished(Utc::now() - RETENTION).await.unwrap(),
        0
    );
    // The job is acknowledged just after it records SENT: purge once it is.
    wait_for(
        "a finished job row purged",
        Duration::from_secs(30),
        async || {
            queues
                .purge_finished(Utc::now() + Span::days(1))
                .await
                .unwrap()
                >= 1
        },
    )
    .await;
}
