use crate::enums::ScopeChangeStatus;
use sea_orm::entity::prelude::*;

model! {
    /// A request to change an engagement's scope, decided through a SCOPE_CHANGE approval.
    #[sea_orm(table_name = "scope_change")]
    pub struct Model {
        pub engagement_id: Uuid,
        /// 1, 2, … within its engagement.
        pub seq: i32,
        pub description: String,
        /// Ex-GST; negative when scope is taken out.
        pub cost_impact_cents: i64,
        /// Business days the plan's end moves.
        pub schedule_impact_days: i32,
        pub risk_impact: String,
        pub status: ScopeChangeStatus,
        #[sea_orm(unique)]
        pub approval_id: Uuid,
        /// The approver's reason (a rejection's, or an approval's note).
        pub decision_reason: Option<String>,
        /// The plan's end date before and after an approved change.
        pub end_before: Option<Date>,
        pub end_after: Option<Date>,
        pub requested_by: String,
        pub requested_at: DateTimeUtc,
        pub decided_at: Option<DateTimeUtc>,
    }
}
