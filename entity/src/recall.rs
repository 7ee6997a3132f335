use crate::enums::RecallStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A product recall (ACL s128): what is recalled and why, what customers
    /// should do and the remedy, and the ACCC notification's due date and
    /// submission.
    #[sea_orm(table_name = "recall")]
    pub struct Model {
        /// RCL-000001.
        #[sea_orm(unique)]
        pub number: String,
        pub product_id: Uuid,
        /// JSON array of the recalled batches' ids.
        pub batch_ids: String,
        pub defect: String,
        pub hazard: String,
        /// Where it was sold (channels, stores, sites).
        pub sold_where: String,
        pub sold_from: Date,
        pub sold_to: Date,
        /// What customers should do.
        pub customer_action: String,
        /// How customers get the remedy.
        pub remedy: String,
        pub status: RecallStatus,
        /// The Sydney date recall action was taken.
        pub started_on: Date,
        /// The ACCC notification's due date (2 days, business calendar).
        pub accc_due_on: Date,
        pub accc_submitted_at: Option<DateTimeUtc>,
        pub accc_reference: Option<String>,
        pub started_by: String,
    }
}
