use crate::enums::BatchStatus;
use sea_orm::entity::prelude::*;

model! {
    /// One batch (lot) of a batch-tracked product, as received: what
    /// traceability, recalls and blocking name. Stock, allocations, shipment
    /// items and receipt lines carry its `batch_code` with the product.
    #[sea_orm(table_name = "product_batch")]
    pub struct Model {
        pub product_id: Uuid,
        pub batch_code: String,
        /// The supplier of its first receipt.
        pub supplier_party_id: Option<Uuid>,
        /// When it was first received (Sydney date).
        pub first_received_on: Option<Date>,
        pub country_of_manufacture: Option<String>,
        pub status: BatchStatus,
        /// The recall that blocked it.
        pub recall_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}
