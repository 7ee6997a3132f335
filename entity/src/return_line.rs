use crate::enums::ReturnDisposition;
use sea_orm::entity::prelude::*;

model! {
    /// Units of one order line coming back under a return, and where they went
    /// after inspection.
    #[sea_orm(table_name = "return_line")]
    pub struct Model {
        pub return_id: Uuid,
        pub order_line_id: Uuid,
        pub product_id: Uuid,
        pub quantity: i32,
        pub disposition: Option<ReturnDisposition>,
        /// The stock location the units were received into.
        pub location_id: Option<Uuid>,
        pub batch_code: Option<String>,
        pub inspection_note: Option<String>,
    }
}
