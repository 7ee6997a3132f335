use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A serial number received, once per product.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "serial_number")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub serial: String,
    pub receipt_line_id: Uuid,
    pub created_at: DateTimeUtc,
}

no_relations!();
