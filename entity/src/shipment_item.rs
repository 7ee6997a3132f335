use sea_orm::entity::prelude::*;

model! {
    /// Units of one order line in one package, taken from one reservation
    /// (so from one stock level and batch).
    #[sea_orm(table_name = "shipment_item")]
    pub struct Model {
        pub shipment_id: Uuid,
        pub order_line_id: Uuid,
        /// `None` for units its supplier ships (drop-ship).
        pub allocation_id: Option<Uuid>,
        pub stock_level_id: Option<Uuid>,
        /// The batch the units came from (empty when not batch-tracked).
        pub batch_code: String,
        pub quantity: i32,
        /// JSON array of serial numbers (serial-tracked products; else `[]`).
        pub serials: String,
    }
}
