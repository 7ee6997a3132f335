use crate::enums::EscalationCause;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An engagement escalated to ADMIN.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "engagement_escalation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub cause: EscalationCause,
    /// The stage (and revision round) it was in.
    pub stage_key: String,
    pub round: i32,
    /// The significant delay that caused it.
    pub delay_id: Option<Uuid>,
    pub escalated_at: DateTimeUtc,
}

no_relations!();
