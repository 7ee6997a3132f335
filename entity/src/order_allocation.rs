use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Stock reserved for one order line at one stock level (location, batch).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "order_allocation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub order_line_id: Uuid,
    pub stock_level_id: Uuid,
    pub quantity: i32,
    pub reserved_at: DateTimeUtc,
    /// How much of it is packed into shipments (never more than `quantity`).
    pub packed_quantity: i32,
    /// Set when the reservation was given back (cancel, expiry).
    pub released_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
