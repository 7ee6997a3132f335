use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Staff-recorded figures of one month of an engagement's support phase.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "service_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    /// The month's first day.
    pub month: Date,
    /// JSON: [{kind, name, value, unit}] (PERFORMANCE or USAGE figures).
    pub figures: String,
    pub optimisation_notes: Option<String>,
    pub recorded_by: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
