use crate::enums::AcceptanceOutcome;
use sea_orm::entity::prelude::*;

model! {
    /// One round of the customer's acceptance of a deliverable version (its
    /// DELIVERABLE_ACCEPTANCE approval); every round is kept.
    #[sea_orm(table_name = "acceptance_round")]
    pub struct Model {
        pub deliverable_id: Uuid,
        pub version_number: i32,
        pub approval_id: Uuid,
        pub outcome: AcceptanceOutcome,
        /// The customer's feedback on a rejection (or a note on acceptance).
        pub feedback: Option<String>,
        pub requested_at: DateTimeUtc,
        pub decided_at: Option<DateTimeUtc>,
    }
}
