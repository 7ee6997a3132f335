use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A required output of a stage, completed with its evidence (once per
/// stage and revision round).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "engagement_output")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub stage_key: String,
    pub round: i32,
    pub output_key: String,
    /// A note, link or document reference.
    pub evidence: String,
    pub completed_by: String,
    pub completed_at: DateTimeUtc,
}

no_relations!();
