use crate::enums::{IssueSeverity, IssueStatus};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// An entry in an engagement's issue log.
    #[sea_orm(table_name = "engagement_issue")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub title: String,
        pub description: Option<String>,
        pub severity: IssueSeverity,
        pub owner_user_id: Uuid,
        pub status: IssueStatus,
        pub resolution: Option<String>,
        pub resolved_at: Option<DateTimeUtc>,
        pub created_by: String,
    }
}
