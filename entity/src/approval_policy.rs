use crate::enums::{ApprovalKind, OnDue, Role};
use sea_orm::entity::prelude::*;

model! {
    /// How one kind of approval is decided (data, changed by ADMIN, versioned).
    #[sea_orm(table_name = "approval_policy")]
    pub struct Model {
        #[sea_orm(unique)]
        pub kind: ApprovalKind,
        /// Who decides (ADMIN may always decide too).
        pub decider_role: Role,
        /// Amounts below this are approved at once, by `system`; `None`: never.
        pub auto_approve_below_cents: Option<i64>,
        /// Amounts up to this need one approver, above it two; `None`: one always.
        pub single_approver_up_to_cents: Option<i64>,
        /// The second approver's role (the decider's role when `None`).
        pub second_approver_role: Option<Role>,
        pub follow_up_business_hours: i32,
        pub due_business_hours: i32,
        pub on_due: OnDue,
        pub escalate_to_role: Option<Role>,
        /// A staff role that may record the decider's offline decision, with evidence.
        pub offline_role: Option<Role>,
        pub version: i32,
        pub updated_at: DateTimeUtc,
    }
}
