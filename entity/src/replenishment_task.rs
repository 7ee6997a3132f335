use crate::enums::ReplenishmentStatus;
use sea_orm::entity::prelude::*;

model! {
    /// A product under its reorder point, for purchasing to order (one open
    /// task per product).
    #[sea_orm(table_name = "replenishment_task")]
    pub struct Model {
        pub product_id: Uuid,
        /// The business date of the run that raised it.
        pub business_date: Date,
        /// Unreserved units on hand across locations when it was raised.
        pub on_hand: i32,
        pub reorder_point: i32,
        /// The product's reorder quantity.
        pub suggested_quantity: i32,
        pub status: ReplenishmentStatus,
        pub created_at: DateTimeUtc,
        pub done_at: Option<DateTimeUtc>,
    }
}
