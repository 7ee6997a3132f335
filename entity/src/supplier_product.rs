use sea_orm::entity::prelude::*;

model! {
    /// A product a supplier supplies: its SKU there, its unit cost ex-GST and
    /// how long it takes to arrive.
    #[sea_orm(table_name = "supplier_product")]
    pub struct Model {
        pub supplier_id: Uuid,
        pub product_id: Uuid,
        pub supplier_sku: String,
        pub unit_cost_cents: i64,
        pub lead_time_days: i32,
        pub updated_at: DateTimeUtc,
    }
}
