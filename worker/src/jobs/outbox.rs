//! An outbox row's job: do the work its topic names, then mark it processed.

use super::finish;
use super::send_notification::deliver;
use crate::deps::Deps;
use crate::payloads::OutboxJob;
use apalis::prelude::{BoxDynError, Data};
use domain::platform::notifications::{self, NotificationRef};
use domain::platform::outbox::{self, topic};
use std::sync::Arc;
use std::time::Instant;

pub async fn handle(job: OutboxJob, deps: Data<Arc<Deps>>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = process(&job, &deps).await;
    finish(started, &result);
    if let Err(e) = &result {
        tracing::warn!(outbox_id = %job.outbox_id, error = %e, "outbox job failed; the queue retries it");
    }
    result
}

async fn process(job: &OutboxJob, deps: &Deps) -> Result<(), BoxDynError> {
    let Some(row) = outbox::find(&deps.db, job.outbox_id).await? else {
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
    outbox::mark_processed(&deps.db, row.id, chrono::Utc::now()).await?;
    Ok(())
}
