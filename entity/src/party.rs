use crate::enums::PartyKind;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A person or organisation the business deals with: customer, supplier, courier.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "party")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: PartyKind,
    pub name: String,
    /// Lower-cased name and email, so search is case-insensitive on both
    /// backends. Derived, so snapshots leave it out.
    #[serde(skip)]
    pub search_text: String,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// 11 digits.
    pub abn: Option<String>,
    /// A supplier that ships straight to customers.
    pub drop_ships: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
