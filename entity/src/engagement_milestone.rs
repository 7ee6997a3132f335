use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A dated milestone of an engagement's plan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "engagement_milestone")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub name: String,
    /// When it is due now (approved scope changes and delays move it).
    pub due_on: Date,
    /// When it was due as first agreed.
    pub original_due_on: Date,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
