use crate::enums::{TrackingStatus, TrackingSubStatus};
use sea_orm::entity::prelude::*;

model! {
    /// One event a courier reported for a package, with its own raw code.
    #[sea_orm(table_name = "tracking_checkpoint")]
    pub struct Model {
        pub shipment_id: Uuid,
        /// When it happened, as the courier says.
        pub occurred_at: DateTimeUtc,
        pub status: TrackingStatus,
        pub sub_status: Option<TrackingSubStatus>,
        pub location: Option<String>,
        pub message: String,
        /// The courier's own event code, kept as it sent it.
        pub raw_code: String,
        /// When we learnt of it (app clock).
        pub recorded_at: DateTimeUtc,
    }
}
