//! Send (or retry) one customer email.

use super::finish;
use crate::deps::Deps;
use crate::mailer::Outgoing;
use crate::payloads::SendNotification;
use crate::{mailers, metrics};
use apalis::prelude::{BoxDynError, Data};
use domain::platform::notifications::{self, AfterFailure};
use lettre::message::Mailbox;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

pub async fn handle(job: SendNotification, deps: Data<Arc<Deps>>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = deliver(&deps, job.notification_id).await;
    finish(started, &result);
    result
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
        metrics::possible_duplicate_send();
        tracing::warn!(%notification_id, "took over an expired send claim; the email may repeat");
    }
    let n = claim.notification;
    let settings = domain::settings::current(&deps.db).await?;
    let rendered = mailers::render(&deps.db, &settings, &n).await?;
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
            metrics::email_sent();
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
                    metrics::email_retry_scheduled();
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
                    metrics::dead_letter();
                    tracing::error!(notification_id = %n.id, %error, "email is a dead letter");
                }
            }
        }
    }
    Ok(())
}
