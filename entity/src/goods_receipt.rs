use sea_orm::entity::prelude::*;

model! {
    /// Goods received against a purchase order, with their QC inspection.
    #[sea_orm(table_name = "goods_receipt")]
    pub struct Model {
        pub purchase_order_id: Uuid,
        pub received_on: Date,
        /// Where the goods landed: a warehouse when QC passed, else quarantine.
        pub location_id: Uuid,
        pub qc_passed: bool,
        /// JSON `[{"item": …, "passed": …}]`.
        pub qc_checklist: String,
        pub qc_notes: Option<String>,
        pub received_by: String,
        pub created_at: DateTimeUtc,
    }
}
