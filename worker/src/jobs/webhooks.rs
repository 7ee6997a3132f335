//! Outbound webhooks: fanning an event out into deliveries, and the sender
//! that posts due deliveries (Standard Webhooks headers, a per-request
//! timeout, no redirects followed, in production the target's addresses
//! checked again at every attempt) with bounded concurrency. Retries are
//! the rows' `next_attempt_at`; nothing here sleeps.

use super::send_notification::email_each;
use crate::deps::Deps;
use apalis::prelude::BoxDynError;
use domain::rules::webhooks::{Secret, TargetPolicy, check_target};
use domain::webhooks::deliveries::{self, Answer, Due, EXCERPT_BYTES};
use domain::webhooks::events::WebhookEvent;
use entity::NotificationKind;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Per-request timeout: a slow target costs one attempt, not a stalled sender.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries claimed (and sent concurrently) per round.
const ROUND: usize = 16;
const USER_AGENT: &str = concat!("ServiceDeliveryHub-Webhooks/", env!("CARGO_PKG_VERSION"));

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
}

/// The HTTP client deliveries are posted with.
pub fn client() -> reqwest::Client {
    builder().build().unwrap_or_default()
}

/// The `webhook.event` outbox row: one delivery per subscription wanting
/// it, then wake the sender.
pub async fn fan_out(deps: &Deps, event_id: Uuid, payload: &str) -> Result<(), BoxDynError> {
    let event: WebhookEvent = serde_json::from_str(payload)?;
    let added = deliveries::fan_out(&deps.db, event_id, &event, deps.clock.now()).await?;
    if added > 0 {
        tracing::info!(%event_id, event_type = %event.event_type, added, "webhook deliveries planned");
        deps.webhooks_due.notify_one();
    }
    Ok(())
}

/// The `webhook.disabled` outbox row: email every ADMIN once.
pub async fn disabled(deps: &Deps, delivery_id: Uuid) -> Result<(), BoxDynError> {
    let admins = domain::users::emails_of_role(&deps.db, entity::Role::Admin).await?;
    if admins.is_empty() {
        tracing::warn!(%delivery_id, "no ADMIN login to tell a webhook subscription was disabled");
    }
    email_each(
        deps,
        NotificationKind::WebhookSubscriptionDisabled,
        delivery_id,
        &admins,
    )
    .await
}

/// Send every delivery due now, `ROUND` at a time concurrently (at most
/// `PER_SUBSCRIPTION` of one subscription), until none is due. The
/// deliveries attempted.
pub async fn send_due(deps: &Arc<Deps>) -> Result<usize, sea_orm::DbErr> {
    let mut sent = 0;
    loop {
        let due = deliveries::claim_due(&deps.db, deps.clock.now(), ROUND).await?;
        if due.is_empty() {
            return Ok(sent);
        }
        sent += due.len();
        let mut tasks = tokio::task::JoinSet::new();
        for one in due {
            let deps = deps.clone();
            tasks.spawn(async move { attempt(&deps, one).await });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "recording a webhook attempt failed"),
                Err(e) => tracing::error!(error = %e, "a webhook send panicked"),
            }
        }
    }
}

async fn attempt(deps: &Deps, due: Due) -> Result<(), sea_orm::DbErr> {
    let policy = domain::webhooks::policy(deps.config.is_production());
    let answer = post(&deps.webhooks_client, policy, &due, deps.clock.now()).await;
    let jitter = f64::from(Uuid::new_v4().as_bytes()[0]) / 255.0;
    let after =
        deliveries::record_attempt(&deps.db, &due, &answer, deps.clock.now(), jitter).await?;
    let d = &due.delivery;
    match after {
        Some(status) => tracing::info!(
            webhook_id = %d.webhook_id,
            attempt = d.attempts,
            http_status = ?answer.http_status,
            %status,
            "webhook attempt"
        ),
        None => {
            tracing::debug!(webhook_id = %d.webhook_id, "webhook claim lost; attempt not recorded")
        }
    }
    Ok(())
}

/// Post one delivery: checked against the policy first (in production its
/// host is resolved and every address checked), signed with the
/// subscription's secret over `id.timestamp.body`.
pub async fn post(
    client: &reqwest::Client,
    policy: TargetPolicy,
    due: &Due,
    now: chrono::DateTime<chrono::Utc>,
) -> Answer {
    let refused = |error: String| Answer {
        started_at: now,
        error: Some(error),
        refused: true,
        ..Answer::default()
    };
    let target = match check_target(&due.url, policy) {
        Ok(target) => target,
        Err(e) => return refused(format!("target refused: {}", e.message)),
    };
    // In production the connection goes to the addresses just checked and
    // nowhere else: a second lookup at connect time could answer otherwise
    // (DNS rebinding).
    let pinned;
    let client = if policy == TargetPolicy::Production {
        let addresses = domain::webhooks::resolve(&target).await;
        if let Err(e) = domain::webhooks::resolved_allowed(&addresses, policy) {
            return refused(format!("target refused: {}", e.message));
        }
        let checked: Vec<std::net::SocketAddr> = addresses
            .iter()
            .map(|ip| std::net::SocketAddr::new(*ip, target.port))
            .collect();
        pinned = match builder().resolve_to_addrs(&target.host, &checked).build() {
            Ok(pinned) => pinned,
            Err(e) => return refused(format!("no HTTP client for the target: {e}")),
        };
        &pinned
    } else {
        client
    };
    let secret = match Secret::parse(&due.secret) {
        Ok(secret) => secret,
        Err(e) => {
            return refused(format!(
                "the subscription's secret is unusable: {}",
                e.message
            ));
        }
    };
    let d = &due.delivery;
    let timestamp = now.timestamp();
    let signature = secret.sign(&d.webhook_id, timestamp, d.body.as_bytes());
    let started = Instant::now();
    let sent = client
        .post(&target.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    let mut answer = Answer {
        started_at: now,
        ..Answer::default()
    };
    match sent {
        Ok(mut response) => {
            answer.http_status = Some(response.status().as_u16());
            answer.excerpt = Some(excerpt(&mut response).await);
        }
        Err(e) => {
            answer.error = Some(if e.is_timeout() {
                format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())
            } else {
                format!("could not connect: {}", e.without_url())
            });
        }
    }
    answer.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    answer
}

/// The first `EXCERPT_BYTES` of an answer (read no further), as text.
async fn excerpt(response: &mut reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(EXCERPT_BYTES);
    String::from_utf8_lossy(&bytes).into_owned()
}
