use crate::enums::GstRounding;
use sea_orm::entity::prelude::*;

model! {
    /// An issued tax invoice (or, from a seller not registered for GST, an
    /// invoice): everything it shows, stored as issued. Never changed, never
    /// deleted.
    #[sea_orm(table_name = "tax_invoice")]
    pub struct Model {
        /// `INV-000001`: gap-free, never reused.
        pub number: String,
        /// What it bills: `order` (engagements later).
        pub subject_type: String,
        pub subject_id: Uuid,
        pub customer_id: Option<Uuid>,
        /// "Tax invoice", or "Invoice" from a seller not registered for GST.
        pub title: String,
        pub issued_at: DateTimeUtc,
        /// The business's local date of issue.
        pub issued_on: Date,
        pub issued_by: String,
        pub seller_name: String,
        pub seller_abn: Option<String>,
        pub gst_registered: bool,
        pub buyer_name: String,
        pub buyer_abn: Option<String>,
        pub buyer_email: Option<String>,
        pub buyer_address: String,
        /// The number of what it bills (an order's `SO-…`).
        pub reference: String,
        pub prices_include_gst: bool,
        pub gst_rounding: GstRounding,
        pub export: bool,
        pub ex_gst_cents: i64,
        pub gst_cents: i64,
        pub total_cents: i64,
        pub taxable_cents: i64,
        pub gst_free_cents: i64,
        pub export_cents: i64,
        pub input_taxed_cents: i64,
        /// GST is exactly 1/11 of the total: "Total price includes GST" may be shown.
        pub total_includes_gst: bool,
        pub buyer_identity_required: bool,
    }
}
