use crate::enums::ReplenishmentStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A product under its reorder point, for purchasing to order (one open
/// task per product).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "replenishment_task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    /// The business date of the run that raised it.
    pub business_date: Date,
    /// Unreserved units on hand across locations when it was raised.
    pub on_hand: i32,
    pub reorder_point: i32,
    /// The product's reorder quantity.
    pub suggested_quantity: i32,
    pub status: ReplenishmentStatus,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

no_relations!();
