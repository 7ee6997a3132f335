use crate::enums::Role;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A login: one role each; a CUSTOMER login is linked to its customer party.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased; unique.
    pub email: String,
    /// argon2id PHC string. Never serialised: audit snapshots and stored
    /// responses leave it out.
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub party_id: Option<Uuid>,
    pub disabled: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
