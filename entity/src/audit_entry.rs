use sea_orm::entity::prelude::*;

/// Append-only record of a state change: who, when, what, before and after.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject_type: String,
    pub subject_id: Uuid,
    /// e.g. `customer.created`.
    pub action: String,
    pub actor_id: String,
    pub actor_role: String,
    pub occurred_at: DateTimeUtc,
    /// JSON text of the record before the change (absent on creation).
    pub before: Option<String>,
    /// JSON text of the record after the change.
    pub after: Option<String>,
}

no_relations!();
