use crate::enums::PurchaseOrderStatus;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// An order to a supplier.
    #[sea_orm(table_name = "purchase_order")]
    pub struct Model {
        /// Gap-free, e.g. `PO-000001`.
        #[sea_orm(unique)]
        pub number: String,
        pub supplier_id: Uuid,
        pub status: PurchaseOrderStatus,
        pub expected_on: Option<Date>,
        /// Its PURCHASE_ORDER approval, once sending was asked for.
        pub approval_id: Option<Uuid>,
        /// The backordered customer order it sources, if raised from one.
        pub source_order_id: Option<Uuid>,
        /// The replenishment task it answers, if raised from one.
        pub source_task_id: Option<Uuid>,
        pub status_reason: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
        /// The supplier ships it straight to the customer at `ship_to`.
        pub drop_ship: bool,
        pub ship_to: Option<String>,
        pub created_by: String,
    }
}
