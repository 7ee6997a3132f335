use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A stage an engagement left, against its due time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "engagement_stage_exit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub stage_key: String,
    pub round: i32,
    pub started_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub left_at: DateTimeUtc,
    /// Left by its due time.
    pub on_time: bool,
}

no_relations!();
