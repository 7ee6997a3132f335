use crate::enums::{ConsentPurpose, NotificationKind, SendOutcome};
use sea_orm::entity::prelude::*;

model! {
    /// One commercial email decided: sent, or suppressed and why (the Spam
    /// Act's record of every commercial send).
    #[sea_orm(table_name = "commercial_send")]
    pub struct Model {
        pub customer_id: Option<Uuid>,
        pub address: String,
        pub purpose: ConsentPurpose,
        pub kind: NotificationKind,
        /// What it is about (an order).
        pub subject_id: Uuid,
        pub outcome: SendOutcome,
        pub notification_id: Option<Uuid>,
        pub decided_at: DateTimeUtc,
    }
}
