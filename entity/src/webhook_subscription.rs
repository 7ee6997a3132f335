use sea_orm::entity::prelude::*;

versioned_model! {
    /// An integrator's subscription to outbound webhooks: where to send, which
    /// event types, and the secret deliveries are signed with.
    #[sea_orm(table_name = "webhook_subscription")]
    pub struct Model {
        pub url: String,
        /// JSON array of the wire names wanted (`["order.placed"]`).
        pub event_types: String,
        /// `whsec_<base64>`; never in audit snapshots or answers after the first.
        #[serde(skip_serializing, default)]
        pub secret: String,
        pub active: bool,
        pub description: Option<String>,
        /// FAILED or DEAD deliveries in a row; a success resets it.
        pub consecutive_failures: i32,
        pub disabled_at: Option<DateTimeUtc>,
        pub disabled_reason: Option<String>,
        pub created_by: String,
    }
}
