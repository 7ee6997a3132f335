use sea_orm::entity::prelude::*;

model! {
    /// An answer to a stage's decision point (every answer is kept; the latest
    /// of a round counts).
    #[sea_orm(table_name = "engagement_decision")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub stage_key: String,
        pub round: i32,
        pub decision_key: String,
        pub answer: bool,
        pub note: Option<String>,
        /// The revised timeline's end, when the answer asked for one.
        pub revised_end_date: Option<Date>,
        pub decided_by: String,
        pub decided_at: DateTimeUtc,
    }
}
