use sea_orm::entity::prelude::*;

/// A client's `Idempotency-Key` for one operation, with the stored response.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who sent it (user id) and which operation: keys are per caller and operation.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the operation input, to spot a key reused with other input.
    pub request_hash: String,
    /// JSON text of the stored payload.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

no_relations!();
