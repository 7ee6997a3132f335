use sea_orm::entity::prelude::*;

/// The next number of a gap-free series (taken in the transaction that
/// uses it, so a rollback leaves no gap).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_counter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub next_value: i64,
}

no_relations!();
