use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One message of a ticket's thread: a reply the customer sees, or an internal note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ticket_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// The login that wrote it.
    pub author: String,
    pub from_staff: bool,
    /// Staff only; not a response.
    pub internal: bool,
    pub body: String,
    pub created_at: DateTimeUtc,
}

no_relations!();
