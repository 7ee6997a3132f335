use crate::enums::{ReturnReason, ReturnResolution, ReturnStatus};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A return (RMA) of order lines: why, what the customer asks for, staff's
    /// decision with the return instructions, the goods' receipt and
    /// inspection, and the refund or replacement that ends it.
    #[sea_orm(table_name = "return_request")]
    pub struct Model {
        /// RMA-000001.
        pub number: String,
        pub order_id: Uuid,
        pub customer_id: Option<Uuid>,
        pub reason: ReturnReason,
        pub details: String,
        pub resolution: ReturnResolution,
        pub status: ReturnStatus,
        /// How to send the goods back (with the RMA number), set on approval.
        pub instructions: Option<String>,
        pub decision_reason: Option<String>,
        pub decided_by: Option<String>,
        pub decided_at: Option<DateTimeUtc>,
        pub received_at: Option<DateTimeUtc>,
        pub refund_id: Option<Uuid>,
        pub approval_id: Option<Uuid>,
        pub adjustment_note_id: Option<Uuid>,
        pub replacement_order_id: Option<Uuid>,
        pub completed_at: Option<DateTimeUtc>,
        pub requested_by: String,
    }
}
