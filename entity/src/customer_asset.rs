use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A delivered unit (by serial) or line (untracked units) the customer now
/// has, with its warranty.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "customer_asset")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
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

no_relations!();
