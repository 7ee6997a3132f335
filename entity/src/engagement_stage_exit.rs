use sea_orm::entity::prelude::*;

model! {
    /// A stage an engagement left, against its due time.
    #[sea_orm(table_name = "engagement_stage_exit")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub stage_key: String,
        pub round: i32,
        pub started_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        pub left_at: DateTimeUtc,
        /// Left by its due time.
        pub on_time: bool,
    }
}
