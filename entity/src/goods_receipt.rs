use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Goods received against a purchase order, with their QC inspection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "goods_receipt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub purchase_order_id: Uuid,
    pub received_on: Date,
    /// Where the goods landed: a warehouse when QC passed, else quarantine.
    pub location_id: Uuid,
    pub qc_passed: bool,
    /// JSON `[{"item": …, "passed": …}]`.
    pub qc_checklist: String,
    pub qc_notes: Option<String>,
    pub received_by: String,
    pub created_at: DateTimeUtc,
}

no_relations!();
