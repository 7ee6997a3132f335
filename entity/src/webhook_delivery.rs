use crate::enums::{WebhookDeliveryStatus, WebhookEventType};
use sea_orm::entity::prelude::*;

model! {
    /// One event on its way to one subscription: the body sent on every
    /// attempt and where its delivery is.
    #[sea_orm(table_name = "webhook_delivery")]
    pub struct Model {
        /// `msg_<uuid>`: the `webhook-id` header, the same on every attempt.
        #[sea_orm(unique)]
        pub webhook_id: String,
        pub subscription_id: Uuid,
        pub event_type: WebhookEventType,
        pub event_id: Uuid,
        pub body: String,
        pub status: WebhookDeliveryStatus,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub lease_until: Option<DateTimeUtc>,
        pub last_http_status: Option<i32>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub completed_at: Option<DateTimeUtc>,
    }
}
