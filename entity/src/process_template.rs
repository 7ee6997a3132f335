use crate::enums::TemplateStatus;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One version of a process template (its definition is JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "process_template")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub key: String,
    pub version: i32,
    pub name: String,
    pub status: TemplateStatus,
    pub definition: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

no_relations!();
