use sea_orm::entity::prelude::*;

model! {
    /// The simulated card provider's own record of a charge or refund, one per
    /// idempotency key (as a real provider keeps it, outside our transactions).
    #[sea_orm(table_name = "provider_charge")]
    pub struct Model {
        pub provider: String,
        pub idempotency_key: String,
        pub amount_cents: i64,
        /// SUCCEEDED or DECLINED (charges), REFUNDED or REFUSED (refunds).
        pub outcome: String,
        pub decline_reason: Option<String>,
        /// A refund's charge (its idempotency key); amounts of refunds are negative.
        pub refunds_charge: Option<String>,
        pub created_at: DateTimeUtc,
    }
}
