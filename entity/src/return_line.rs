use crate::enums::ReturnDisposition;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Units of one order line coming back under a return, and where they went
/// after inspection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "return_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub return_id: Uuid,
    pub order_line_id: Uuid,
    pub product_id: Uuid,
    pub quantity: i32,
    pub disposition: Option<ReturnDisposition>,
    /// The stock location the units were received into.
    pub location_id: Option<Uuid>,
    pub batch_code: Option<String>,
    pub inspection_note: Option<String>,
}

no_relations!();
