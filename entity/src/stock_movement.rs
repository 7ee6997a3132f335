use crate::enums::MovementKind;
use sea_orm::entity::prelude::*;

model! {
    /// One change of stock on hand; never changed or removed.
    #[sea_orm(table_name = "stock_movement")]
    pub struct Model {
        pub stock_level_id: Uuid,
        pub product_id: Uuid,
        pub location_id: Uuid,
        pub batch_code: String,
        /// Signed: receipts add, damage takes away.
        pub quantity: i32,
        pub kind: MovementKind,
        pub reason: String,
        pub actor_id: String,
        pub on_hand_after: i32,
        pub occurred_at: DateTimeUtc,
    }
}
