use crate::enums::EscalationCause;
use sea_orm::entity::prelude::*;

model! {
    /// An engagement escalated to ADMIN.
    #[sea_orm(table_name = "engagement_escalation")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub cause: EscalationCause,
        /// The stage (and revision round) it was in.
        pub stage_key: String,
        pub round: i32,
        /// The significant delay that caused it.
        pub delay_id: Option<Uuid>,
        pub escalated_at: DateTimeUtc,
    }
}
