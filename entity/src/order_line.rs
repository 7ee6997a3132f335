use crate::enums::ProductKind;
use sea_orm::entity::prelude::*;

model! {
    /// One line of an order, with the product's details as they were at placing.
    #[sea_orm(table_name = "order_line")]
    pub struct Model {
        pub order_id: Uuid,
        /// 1, 2, … in the order the customer gave them.
        pub line_no: i32,
        pub product_id: Uuid,
        pub sku: String,
        pub name: String,
        pub kind: ProductKind,
        pub tax_code: String,
        pub unit_price_cents: i64,
        pub quantity: i32,
        /// Staff discount in hundredths of a percent (1250 = 12.5%).
        pub discount_basis_points: i32,
        pub reserved_quantity: i32,
        /// The drop-ship purchase order its supplier ships it under.
        pub drop_ship_po_id: Option<Uuid>,
    }
}
