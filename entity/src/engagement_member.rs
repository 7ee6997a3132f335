use crate::enums::Role;
use sea_orm::entity::prelude::*;

model! {
    /// A user on an engagement's team, in a role.
    #[sea_orm(table_name = "engagement_member")]
    pub struct Model {
        pub engagement_id: Uuid,
        pub user_id: Uuid,
        pub role: Role,
    }
}
