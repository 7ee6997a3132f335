use crate::enums::DeliverableStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// Something an engagement delivers, reviewed and accepted by version.
    #[sea_orm(table_name = "deliverable")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub name: String,
        pub acceptance_criteria: String,
        pub status: DeliverableStatus,
        /// The latest version submitted (0 before the first).
        pub current_version: i32,
        /// The version the customer accepted.
        pub accepted_version: Option<i32>,
        /// The pending (or last) DELIVERABLE_ACCEPTANCE approval.
        pub approval_id: Option<Uuid>,
        /// What the last failed review or rejection asked to change.
        pub findings: Option<String>,
        pub created_by: String,
    }
}
