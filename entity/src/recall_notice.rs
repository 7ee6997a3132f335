use crate::enums::RecallNoticeStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// One affected buyer of a recall (at most one per recall and customer,
    /// and per recall and address: unique indexes): the notice sent and how the customer stands.
    #[sea_orm(table_name = "recall_notice")]
    pub struct Model {
        pub recall_id: Uuid,
        /// None for a guest buyer (the notice goes to the order's address).
        pub customer_id: Option<Uuid>,
        /// The address the notice went to (none: unreachable).
        pub email: Option<String>,
        pub status: RecallNoticeStatus,
        /// Affected units the customer bought (over all their orders).
        pub units: i32,
        pub notified_at: Option<DateTimeUtc>,
        pub responded_at: Option<DateTimeUtc>,
        pub remedied_at: Option<DateTimeUtc>,
        pub note: Option<String>,
    }
}
