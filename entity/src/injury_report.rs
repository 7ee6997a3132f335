use crate::enums::{InjuryReportStatus, InjurySeverity};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A mandatory injury or illness report (ACL s131): the incident, when the
    /// business became aware, its due date by the ACCC rule, and its
    /// submission.
    #[sea_orm(table_name = "injury_report")]
    pub struct Model {
        /// INJ-000001.
        #[sea_orm(unique)]
        pub number: String,
        pub product_id: Uuid,
        pub batch_id: Option<Uuid>,
        pub order_id: Option<Uuid>,
        /// How and when the product was supplied.
        pub supply_details: String,
        pub incident_on: Date,
        pub incident_place: String,
        pub affected_person: String,
        pub severity: InjurySeverity,
        pub actions_taken: String,
        /// The Sydney date the business became aware (the clock starts).
        pub aware_on: Date,
        /// Due by the ACCC rule: 2 days, the awareness day not counted,
        /// weekends and public holidays rolling forward.
        pub due_on: Date,
        pub status: InjuryReportStatus,
        pub submitted_at: Option<DateTimeUtc>,
        pub accc_reference: Option<String>,
        pub reported_by: String,
    }
}
