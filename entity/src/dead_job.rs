use sea_orm::entity::prelude::*;

model! {
    /// A job that ran out of attempts or failed permanently; ADMIN can retry it.
    #[sea_orm(table_name = "dead_job")]
    pub struct Model {
        /// e.g. `notification`.
        pub job_kind: String,
        /// The record the job works on (e.g. the notification id).
        pub reference_id: Uuid,
        pub last_error: String,
        pub attempts: i32,
        pub died_at: DateTimeUtc,
        pub retried_at: Option<DateTimeUtc>,
    }
}
