use crate::enums::ProductKind;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A catalogue product.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "product")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
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
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
