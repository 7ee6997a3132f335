use sea_orm::entity::prelude::*;

model! {
    /// A delivered unit (by serial) or line (untracked units) the customer now
    /// has, with its warranty.
    #[sea_orm(table_name = "customer_asset")]
    pub struct Model {
        pub customer_id: Option<Uuid>,
        pub order_id: Uuid,
        pub order_line_id: Uuid,
        pub product_id: Uuid,
        /// Empty for a line of untracked units.
        pub serial: String,
        pub quantity: i32,
        pub delivered_on: Date,
        pub warranty_starts_on: Date,
        /// `None` when the product carries no warranty.
        pub warranty_ends_on: Option<Date>,
        pub created_at: DateTimeUtc,
    }
}
