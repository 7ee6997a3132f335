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

/// Declared for the one-statement read of an order's allocations with
/// their places (`domain::orders::allocations`).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::stock_level::Entity",
        from = "Column::StockLevelId",
        to = "super::stock_level::Column::Id"
    )]
    StockLevel,
}

impl Related<super::stock_level::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::StockLevel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
