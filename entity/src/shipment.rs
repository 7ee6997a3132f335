use crate::enums::{CourierCode, ShipmentStage, ShippingSpeed, TrackingStatus, TrackingSubStatus};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// One package of an order: packed at one stock location, labelled by its
    /// courier, handed over and tracked to delivery.
    #[sea_orm(table_name = "shipment")]
    pub struct Model {
        /// The order's number and the package's place, e.g. `SO-000012-2`.
        #[sea_orm(unique)]
        pub number: String,
        pub order_id: Uuid,
        /// `None` for a package its supplier ships (drop-ship).
        pub location_id: Option<Uuid>,
        /// The drop-ship purchase order whose supplier ships it.
        pub purchase_order_id: Option<Uuid>,
        pub stage: ShipmentStage,
        pub weight_grams: i32,
        pub length_mm: Option<i32>,
        pub width_mm: Option<i32>,
        pub height_mm: Option<i32>,
        pub courier: Option<CourierCode>,
        pub service_level: Option<ShippingSpeed>,
        pub tracking_number: Option<String>,
        /// The courier's reference of the label it issued.
        pub label_reference: Option<String>,
        /// The label as printed (JSON: addresses, weight, service, barcode).
        pub label_data: Option<String>,
        pub tracking_status: TrackingStatus,
        pub sub_status: Option<TrackingSubStatus>,
        pub estimated_delivery: Option<Date>,
        pub picked_up_at: Option<DateTimeUtc>,
        pub delivered_at: Option<DateTimeUtc>,
        /// When a poll last brought a new checkpoint (or the pickup).
        pub last_news_at: Option<DateTimeUtc>,
        /// Polls in a row the courier did not answer.
        pub poll_failures: i32,
        /// When it is next polled; `None` once tracking stopped.
        pub next_poll_at: Option<DateTimeUtc>,
        pub packed_by: String,
    }
}
