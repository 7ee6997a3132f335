use crate::enums::Role;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A login: one role each; a CUSTOMER login is linked to its customer party.
    #[sea_orm(table_name = "app_user")]
    pub struct Model {
        /// Lower-cased; unique.
        pub email: String,
        /// argon2id PHC string. Never serialised: audit snapshots and stored
        /// responses leave it out.
        #[serde(skip)]
        pub password_hash: String,
        pub role: Role,
        pub party_id: Option<Uuid>,
        pub disabled: bool,
    }
}
