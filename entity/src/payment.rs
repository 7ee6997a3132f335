use crate::enums::{PaymentMethod, PaymentStatus};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// One attempt to take payment for an order.
    #[sea_orm(table_name = "payment")]
    pub struct Model {
        pub order_id: Uuid,
        pub customer_id: Option<Uuid>,
        pub method: PaymentMethod,
        pub status: PaymentStatus,
        pub amount_cents: i64,
        /// ISO 4217; always AUD.
        pub currency: String,
        pub card_last4: Option<String>,
        /// The card the simulated provider is asked to charge; never in
        /// audit snapshots or stored answers.
        #[serde(skip_serializing, default)]
        pub card_token: Option<String>,
        /// The PAYMENT_PROCESSING approval it waits on.
        pub approval_id: Option<Uuid>,
        pub provider_reference: Option<String>,
        pub failure_reason: Option<String>,
        pub remittance_reference: Option<String>,
        /// Calls made to the provider (a timed-out call is resolved by asking
        /// the provider before any retry).
        pub attempts: i32,
        pub requested_by: String,
        /// When the money was received (the cash basis's date).
        pub paid_at: Option<DateTimeUtc>,
    }
}
