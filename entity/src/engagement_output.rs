use sea_orm::entity::prelude::*;

model! {
    /// A required output of a stage, completed with its evidence (once per
    /// stage and revision round).
    #[sea_orm(table_name = "engagement_output")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub stage_key: String,
        pub round: i32,
        pub output_key: String,
        /// A note, link or document reference.
        pub evidence: String,
        pub completed_by: String,
        pub completed_at: DateTimeUtc,
    }
}
