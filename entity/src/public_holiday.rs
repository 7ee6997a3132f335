use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A public holiday of the business calendar (data, edited by ADMIN).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "public_holiday")]
pub struct Model {
    /// A UUIDv7 stamped with the date, so id order is date order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub holiday_date: Date,
    pub name: String,
    pub created_at: DateTimeUtc,
}

no_relations!();
