use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One version of a deliverable (each revision a new one).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "deliverable_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub deliverable_id: Uuid,
    pub number: i32,
    /// A link or document reference.
    pub reference: String,
    pub note: Option<String>,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
}

no_relations!();
