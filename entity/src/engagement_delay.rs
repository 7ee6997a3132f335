use sea_orm::entity::prelude::*;

model! {
    /// A recorded delay: the revised timeline, why, and how it is mitigated.
    #[sea_orm(table_name = "engagement_delay")]
    pub struct Model {
        pub engagement_id: Uuid,
        /// The stage it was recorded in.
        pub stage_key: String,
        pub reason: String,
        pub mitigation: String,
        pub end_before: Date,
        pub end_after: Date,
        /// Business days the end moved.
        pub delay_days: i32,
        /// At or over the business's significant-delay threshold (escalated).
        pub significant: bool,
        pub recorded_by: String,
        pub recorded_at: DateTimeUtc,
    }
}
