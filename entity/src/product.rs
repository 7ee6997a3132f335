use crate::enums::ProductKind;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A catalogue product.
    #[sea_orm(table_name = "product")]
    pub struct Model {
        /// Upper-cased; unique.
        #[sea_orm(unique)]
        pub sku: String,
        pub name: String,
        pub kind: ProductKind,
        /// `TAXABLE`, `GST_FREE` or `INPUT_TAXED` (see `rules::tax_code`).
        pub tax_code: String,
        pub price_cents: i64,
        pub prices_include_gst: bool,
        pub weight_grams: i32,
        pub length_mm: Option<i32>,
        pub width_mm: Option<i32>,
        pub height_mm: Option<i32>,
        pub reorder_point: i32,
        pub reorder_quantity: i32,
        pub batch_tracked: bool,
        pub serial_tracked: bool,
        pub warranty_months: i32,
        pub active: bool,
        /// Lower-cased SKU and name, for search.
        pub search_text: String,
    }
}
