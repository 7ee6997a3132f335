//! Live-update events between processes. Embedded mode broadcasts in
//! process; production publishes over Redis pub/sub so a change made through
//! one `api` process reaches subscribers on every other, and every `api` and
//! `worker` process hears when the public holidays change.
//!
//! An event only says "this record's timeline grew"; subscribers then read the
//! new audit entries from the database, so a lost or duplicated event costs a
//! query, never a wrong answer.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// How long publishing may hold up the write that caused it. With Redis
/// unreachable the connection manager retries for about 10 s per call, and a
/// mutation publishes once per record it touched: unbounded, a committed
/// write would outlast the request timeout.
const PUBLISH_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineGrew {
    /// The record; `None` asks every subscriber to re-check (after a
    /// reconnect, when events may have been missed).
    pub subject_id: Option<Uuid>,
}

#[derive(Clone)]
pub struct Broker {
    local: broadcast::Sender<TimelineGrew>,
    redis: Option<RedisSide>,
}

#[derive(Clone)]
struct RedisSide {
    publisher: redis::aio::ConnectionManager,
    channel: String,
}

impl Broker {
    /// In-process only (embedded mode).
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(1024);
        Broker { local, redis: None }
    }

    /// Over Redis pub/sub on `channel`; a background task relays what Redis
    /// delivers to this process's subscribers and reconnects when dropped.
    pub async fn redis(url: &str, channel: String) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let publisher = client.get_connection_manager().await?;
        let (local, _) = broadcast::channel(1024);
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(&channel).await?;
        tokio::spawn(relay_from_redis(
            client,
            channel.clone(),
            local.clone(),
            pubsub,
        ));
        Ok(Broker {
            local,
            redis: Some(RedisSide { publisher, channel }),
        })
    }

    /// `publish` each of `subject_ids`, in turn.
    pub async fn publish_all(&self, subject_ids: impl IntoIterator<Item = Uuid>) {
        for subject_id in subject_ids {
            self.publish(subject_id).await;
        }
    }

    /// Tell every subscriber (on every instance) that a timeline grew. A
    /// failure is logged: live updates are best effort; the data is committed.
    pub async fn publish(&self, subject_id: Uuid) {
        let event = TimelineGrew {
            subject_id: Some(subject_id),
        };
        match &self.redis {
            None => {
                let _ = self.local.send(event);
            }
            Some(side) => {
                let payload = serde_json::to_string(&event).unwrap_or_default();
                let mut conn = side.publisher.clone();
                let mut command = redis::cmd("PUBLISH");
                command.arg(&side.channel).arg(payload);
                let publish = command.query_async::<()>(&mut conn);
                match tokio::time::timeout(PUBLISH_TIMEOUT, publish).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "publishing a live update failed"),
                    Err(_) => tracing::warn!("publishing a live update timed out"),
                }
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TimelineGrew> {
        self.local.subscribe()
    }
}

async fn relay_from_redis(
    client: redis::Client,
    channel: String,
    local: broadcast::Sender<TimelineGrew>,
    mut pubsub: redis::aio::PubSub,
) {
    use futures::StreamExt;
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(payload) = message.get_payload::<String>() else {
                    continue;
                };
                if let Ok(event) = serde_json::from_str::<TimelineGrew>(&payload) {
                    let _ = local.send(event);
                }
            }
        }
        // The stream ended: Redis went away. Reconnect, then make everyone re-check.
        tracing::warn!("live-update subscription to Redis lost; reconnecting");
        pubsub = loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match client.get_async_pubsub().await {
                Ok(mut p) => {
                    if p.subscribe(&channel).await.is_ok() {
                        break p;
                    }
                }
                Err(e) => tracing::debug!(error = %e, "Redis still unreachable"),
            }
        };
        let _ = local.send(TimelineGrew { subject_id: None });
    }
}
