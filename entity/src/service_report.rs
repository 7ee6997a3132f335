use sea_orm::entity::prelude::*;

versioned_model! {
    /// Staff-recorded figures of one month of an engagement's support phase.
    #[sea_orm(table_name = "service_report")]
    pub struct Model {
        pub engagement_id: Uuid,
        /// The month's first day.
        pub month: Date,
        /// JSON: [{kind, name, value, unit}] (PERFORMANCE or USAGE figures).
        pub figures: String,
        pub optimisation_notes: Option<String>,
        pub recorded_by: String,
    }
}
