//! Job payloads: what travels through the queues. Their own module, so the
//! queues and the handlers both depend on them rather than on each other.

use serde::{Deserialize, Serialize};
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
