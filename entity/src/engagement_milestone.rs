use sea_orm::entity::prelude::*;

versioned_model! {
    /// A dated milestone of an engagement's plan.
    #[sea_orm(table_name = "engagement_milestone")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub name: String,
        /// When it is due now (approved scope changes and delays move it).
        pub due_on: Date,
        /// When it was due as first agreed.
        pub original_due_on: Date,
        pub completed_at: Option<DateTimeUtc>,
        pub completed_by: Option<String>,
    }
}
