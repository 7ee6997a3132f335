use sea_orm::entity::prelude::*;

model! {
    /// One product ordered from a supplier.
    #[sea_orm(table_name = "purchase_order_line")]
    pub struct Model {
        pub purchase_order_id: Uuid,
        pub line_no: i32,
        pub product_id: Uuid,
        pub supplier_sku: String,
        pub quantity: i32,
        pub received_quantity: i32,
        /// Ex-GST.
        pub unit_cost_cents: i64,
        /// The product's tax code (the supplier's GST follows it).
        pub tax_code: String,
    }
}
