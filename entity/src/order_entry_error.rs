use crate::enums::Channel;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One refused field of a refused order placement (the order-entry-error KPI).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "order_entry_error")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub field: String,
    pub code: String,
    pub channel: Channel,
    pub occurred_at: DateTimeUtc,
}

no_relations!();
