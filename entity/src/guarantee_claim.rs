use crate::enums::{Chooser, ClaimStatus, FailureSeverity, Guarantee, Remedy, SupplyKind};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A consumer-guarantee claim (ACL) on an order line's goods or an
    /// engagement's services: the failure as lodged, its assessment, and the
    /// remedy the law allows as it was chosen and delivered.
    #[sea_orm(table_name = "guarantee_claim")]
    pub struct Model {
        /// CLM-000001.
        pub number: String,
        /// The buyer (none for a guest order's claim lodged by staff).
        pub customer_id: Option<Uuid>,
        pub supply: SupplyKind,
        pub order_id: Option<Uuid>,
        pub order_line_id: Option<Uuid>,
        pub engagement_id: Option<Uuid>,
        /// Units claimed (goods); 1 for services.
        pub quantity: i32,
        pub guarantee: Guarantee,
        pub facts: String,
        pub status: ClaimStatus,
        pub severity: Option<FailureSeverity>,
        /// JSON array of `MajorFailureReason`s (empty for a minor failure).
        pub major_reasons: String,
        pub assessment_reason: Option<String>,
        /// Who chooses the remedy now.
        pub chooser: Option<Chooser>,
        /// A minor failure's reasonable time passed without its remedy: the
        /// choice passed to the customer.
        pub supplier_failed_to_remedy: bool,
        /// When a minor failure's remedy is due (the reasonable time).
        pub remedy_due_at: Option<DateTimeUtc>,
        pub remedy: Option<Remedy>,
        pub remedy_chosen_at: Option<DateTimeUtc>,
        /// Money back (refund, compensation, cost of a fix elsewhere), cents incl. GST.
        pub remedy_amount_cents: Option<i64>,
        /// A card refund paying the remedy.
        pub refund_id: Option<Uuid>,
        /// A REFUND approval on the claim itself (money paid back outside the hub).
        pub approval_id: Option<Uuid>,
        pub adjustment_note_id: Option<Uuid>,
        pub replacement_order_id: Option<Uuid>,
        pub remedy_note: Option<String>,
        pub remedied_at: Option<DateTimeUtc>,
        pub lodged_by: String,
    }
}
