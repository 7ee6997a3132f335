use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Units of one purchase order line received.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "goods_receipt_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
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

no_relations!();
