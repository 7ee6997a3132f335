use crate::enums::{IssueSeverity, IssueStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An entry in an engagement's issue log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "engagement_issue")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub severity: IssueSeverity,
    pub owner_user_id: Uuid,
    pub status: IssueStatus,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
