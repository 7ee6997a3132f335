use sea_orm::entity::prelude::*;

model! {
    /// A mitigation action with its owner and due date (until the risk
    /// register exists, the record a "risks need mitigation" answer requires).
    #[sea_orm(table_name = "engagement_action")]
    pub struct Model {
        pub engagement_id: Uuid,
        /// The decision answer that required it.
        pub decision_id: Option<Uuid>,
        pub description: String,
        pub owner_user_id: Uuid,
        pub due_on: Date,
        pub created_at: DateTimeUtc,
        pub done_at: Option<DateTimeUtc>,
    }
}
