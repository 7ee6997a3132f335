use sea_orm::entity::prelude::*;

model! {
    /// Units of one purchase order line received.
    #[sea_orm(table_name = "goods_receipt_line")]
    pub struct Model {
        pub receipt_id: Uuid,
        pub purchase_order_line_id: Uuid,
        pub product_id: Uuid,
        pub quantity: i32,
        /// Empty when not batch-tracked.
        pub batch_code: String,
        pub expires_on: Option<Date>,
        /// JSON array of serial numbers.
        pub serials: String,
        pub stock_level_id: Uuid,
    }
}
