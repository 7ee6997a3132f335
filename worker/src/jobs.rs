//! Job payloads and handlers. Handlers re-read the database and skip work
//! already done, so a job delivered twice has one effect.

use crate::mailer::{Mailer, Outgoing};
use crate::metrics::{self, counters, inc};
use crate::queues::Queues;
use crate::templates;
use apalis::prelude::{BoxDynError, Data};
use config::Config;
use domain::Clock;
use domain::platform::notifications::{self, AfterFailure, NotificationRef};
use domain::platform::outbox::topic;
use lettre::message::Mailbox;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// Work recorded in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxJob {
    pub outbox_id: Uuid,
}

/// Send (or retry) one notification.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendNotification {
    pub notification_id: Uuid,
}

/// What handlers share.
pub struct Deps {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    pub from: Mailbox,
    pub mail_domain: String,
    pub queues: Queues,
}

pub async fn handle_outbox(job: OutboxJob, deps: Data<Arc<Deps>>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = process_outbox(&job, &deps).await;
    finish(started, &result);
    if let Err(e) = &result {
        tracing::warn!(outbox_id = %job.outbox_id, error = %e, "outbox job failed; the queue retries it");
    }
    result
}

pub async fn handle_send(job: SendNotification, deps: Data<Arc<Deps>>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = deliver(&deps, job.notification_id).await;
    finish(started, &result);
    result
}

fn finish(started: Instant, result: &Result<(), BoxDynError>) {
    metrics::observe_job(started.elapsed());
    match result {
        Ok(()) => inc(&counters().jobs_succeeded),
        Err(_) => inc(&counters().jobs_failed),
    }
}

async fn process_outbox(job: &OutboxJob, deps: &Deps) -> Result<(), BoxDynError> {
    let Some(row) = domain::platform::outbox::find(&deps.db, job.outbox_id).await? else {
        tracing::warn!(outbox_id = %job.outbox_id, "outbox row not found; nothing to do");
        return Ok(());
    };
    if row.processed_at.is_some() {
        tracing::debug!(outbox_id = %row.id, "already processed");
        return Ok(());
    }
    tracing::info!(outbox_id = %row.id, topic = %row.topic, "processing");
    match row.topic.as_str() {
        topic::CUSTOMER_CREATED => {
            let planned = notifications::ensure_welcome(
                &deps.db,
                row.subject_id,
                deps.clock.now(),
                &deps.mail_domain,
            )
            .await?;
            if let Some(n) = planned {
                deliver(deps, n.id).await?;
            }
        }
        topic::NOTIFICATION_RETRY => {
            let r: NotificationRef = serde_json::from_str(&row.payload)?;
            deliver(deps, r.notification_id).await?;
        }
        other => tracing::warn!(outbox_id = %row.id, topic = other, "no handler for topic"),
    }
    domain::platform::outbox::mark_processed(&deps.db, row.id, chrono::Utc::now()).await?;
    Ok(())
}

/// Claim, render, send and record one notification. Failures are recorded
/// on the notification (retry scheduled or dead letter), so the job itself
/// succeeds; only database errors make the queue retry it.
pub async fn deliver(deps: &Deps, notification_id: Uuid) -> Result<(), BoxDynError> {
    let now = chrono::Utc::now();
    let Some(claim) = notifications::claim(
        &deps.db,
        notification_id,
        now,
        // How long a sender holds it before another may take over.
        deps.config.recovery_after,
    )
    .await?
    else {
        tracing::debug!(%notification_id, "not claimable (sent, dead, not due, or held)");
        return Ok(());
    };
    if claim.taken_over {
        inc(&counters().possible_duplicate_sends);
        tracing::warn!(%notification_id, "took over an expired send claim; the email may repeat");
    }
    let n = claim.notification;
    let settings = domain::settings::current(&deps.db).await?;
    let rendered = render(deps, &settings, &n).await?;
    // The sender is a business setting (ADMIN may change it); MAIL_FROM only
    // seeds it and stands in if the stored one does not parse.
    let from: Mailbox = settings
        .mail_from
        .parse()
        .unwrap_or_else(|_| deps.from.clone());
    let outcome = deps
        .mailer
        .send(Outgoing {
            from: &from,
            to: &n.recipient,
            message_id: &n.message_id,
            subject: &rendered.subject,
            html: rendered.html,
            text: rendered.text,
        })
        .await;
    match outcome {
        Ok(()) => {
            notifications::mark_sent(&deps.db, n.id, chrono::Utc::now()).await?;
            inc(&counters().emails_sent);
            tracing::info!(notification_id = %n.id, kind = %n.kind, "email sent");
        }
        Err((kind, error)) => {
            let next = notifications::record_failure(
                &deps.db,
                &n,
                kind,
                &error,
                chrono::Utc::now(),
                deps.config.email_retry_base,
            )
            .await?;
            match next {
                AfterFailure::RetryAt(at) => {
                    inc(&counters().email_retries_scheduled);
                    tracing::warn!(notification_id = %n.id, %error, retry_at = %at, "email failed; retry scheduled");
                    // If this push fails the sweep finds the row when it is due.
                    if let Err(e) = deps
                        .queues
                        .push_send(
                            SendNotification {
                                notification_id: n.id,
                            },
                            Some(at),
                        )
                        .await
                    {
                        tracing::warn!(notification_id = %n.id, error = %e, "could not queue the retry; the sweep will");
                    }
                }
                AfterFailure::Dead => {
                    inc(&counters().dead_letters);
                    tracing::error!(notification_id = %n.id, %error, "email is a dead letter");
                }
            }
        }
    }
    Ok(())
}

async fn render(
    deps: &Deps,
    settings: &entity::business_settings::Model,
    n: &entity::notification::Model,
) -> Result<templates::Rendered, BoxDynError> {
    match n.kind {
        entity::NotificationKind::Welcome => {
            let customer = domain::customers::find(&deps.db, n.subject_id)
                .await?
                .ok_or("customer of a welcome email not found")?;
            let link = format!("{}/customers/{}", settings.public_base_url, customer.id);
            let abn = settings
                .abn
                .as_deref()
                .and_then(|a| domain::rules::abn::Abn::parse(a).ok())
                .map(|a| a.to_string());
            Ok(templates::welcome(&templates::WelcomeContext {
                customer_name: &customer.name,
                business_name: &settings.legal_name,
                business_abn: abn.as_deref(),
                link: &link,
            })?)
        }
    }
}
