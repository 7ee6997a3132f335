use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A mitigation action with its owner and due date (until the risk
/// register exists, the record a "risks need mitigation" answer requires).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "engagement_action")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    /// The decision answer that required it.
    pub decision_id: Option<Uuid>,
    pub description: String,
    pub owner_user_id: Uuid,
    pub due_on: Date,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

no_relations!();
