use crate::enums::RefundStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// Money paid back on one payment.
    #[sea_orm(table_name = "refund")]
    pub struct Model {
        pub payment_id: Uuid,
        pub order_id: Uuid,
        pub customer_id: Option<Uuid>,
        pub status: RefundStatus,
        pub amount_cents: i64,
        pub reason: String,
        /// The REFUND approval it waits on.
        pub approval_id: Option<Uuid>,
        pub provider_reference: Option<String>,
        pub failure_reason: Option<String>,
        /// The adjustment note issued when the provider confirmed it.
        pub adjustment_note_id: Option<Uuid>,
        /// Calls made to the provider (a lost answer is asked about first).
        pub attempts: i32,
        pub requested_by: String,
    }
}
