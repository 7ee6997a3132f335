use crate::enums::RiskStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// An entry in an engagement's risk register.
    #[sea_orm(table_name = "engagement_risk")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub title: String,
        pub description: Option<String>,
        /// 1 (rare) to 5 (almost certain).
        pub likelihood: i32,
        /// 1 (negligible) to 5 (severe).
        pub impact: i32,
        pub owner_user_id: Uuid,
        pub mitigation: Option<String>,
        pub status: RiskStatus,
        pub created_by: String,
    }
}
