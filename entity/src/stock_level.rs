use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Stock of one product at one location (and batch). Never negative and
/// never over-reserved: a CHECK backs the conditional updates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "stock_level")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub location_id: Uuid,
    /// Empty for products that are not batch-tracked.
    pub batch_code: String,
    pub expires_on: Option<Date>,
    pub on_hand: i32,
    pub reserved: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::stock_location::Entity",
        from = "Column::LocationId",
        to = "super::stock_location::Column::Id"
    )]
    Location,
}

impl Related<super::stock_location::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Location.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
