use sea_orm::entity::prelude::*;

model! {
    /// One attempt to deliver a webhook: when, the answer, how long it took.
    #[sea_orm(table_name = "webhook_attempt")]
    pub struct Model {
        pub delivery_id: Uuid,
        /// 1 for the first attempt.
        pub number: i32,
        pub started_at: DateTimeUtc,
        /// None when no answer came (timeout, connection error, refused target).
        pub http_status: Option<i32>,
        pub latency_ms: i64,
        /// The first 500 bytes of the answer.
        pub response_excerpt: Option<String>,
        pub error: Option<String>,
    }
}
