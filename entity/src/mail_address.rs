use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What we know of an email address's deliverability.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "mail_address")]
pub struct Model {
    /// Lower-cased.
    #[sea_orm(primary_key, auto_increment = false)]
    pub address: String,
    /// Since the mail server first refused it for good (5xx).
    pub bouncing_since: Option<DateTimeUtc>,
    pub last_bounce: Option<String>,
    pub updated_at: DateTimeUtc,
}

no_relations!();
