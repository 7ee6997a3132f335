use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Signed proof that an order was delivered (one per order).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "proof_of_delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub order_id: Uuid,
    /// The package it was signed for, when known.
    pub shipment_id: Option<Uuid>,
    pub signer_name: String,
    pub signed_at: DateTimeUtc,
    /// The courier's evidence reference or a document reference.
    pub evidence_reference: String,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
}

no_relations!();
