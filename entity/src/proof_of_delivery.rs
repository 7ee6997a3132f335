use sea_orm::entity::prelude::*;

model! {
    /// Signed proof that an order was delivered (one per order).
    #[sea_orm(table_name = "proof_of_delivery")]
    pub struct Model {
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
}
