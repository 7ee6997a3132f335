use crate::enums::{ConsentPurpose, ConsentStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A customer's consent to commercial email for one purpose (Spam Act):
/// when, how and by whom it was given, and when it was withdrawn.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub purpose: ConsentPurpose,
    pub status: ConsentStatus,
    pub given_at: DateTimeUtc,
    pub given_how: String,
    pub given_by: String,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_how: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
