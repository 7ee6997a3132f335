use crate::enums::{ApprovalKind, ApprovalStatus, Role};
use sea_orm::entity::prelude::*;

model! {
    /// A request for approval of one subject, under the policy terms of its
    /// creation (`policy` keeps them as JSON).
    #[sea_orm(table_name = "approval_request")]
    pub struct Model {
        pub kind: ApprovalKind,
        /// e.g. `order`.
        pub subject_type: String,
        pub subject_id: Uuid,
        /// The customer who owns the subject, if any (sees the request; decides
        /// a deliverable acceptance).
        pub owner_party_id: Option<Uuid>,
        pub requester_id: String,
        pub requester_role: Role,
        pub amount_cents: Option<i64>,
        pub reason: String,
        pub status: ApprovalStatus,
        pub policy_version: i32,
        /// The policy as it was when the request was made (JSON).
        pub policy: String,
        /// The role each approval step needs, in order (JSON array).
        pub steps: String,
        /// The role the next step needs; `None` once closed.
        pub awaiting_role: Option<Role>,
        pub offline_role: Option<Role>,
        /// Set when the due time passed and the policy escalates.
        pub escalated_to_role: Option<Role>,
        pub follow_up_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
    }
}
