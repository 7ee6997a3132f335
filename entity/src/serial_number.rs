use sea_orm::entity::prelude::*;

model! {
    /// A serial number received, once per product.
    #[sea_orm(table_name = "serial_number")]
    pub struct Model {
        pub product_id: Uuid,
        pub serial: String,
        pub receipt_line_id: Uuid,
        pub created_at: DateTimeUtc,
    }
}
