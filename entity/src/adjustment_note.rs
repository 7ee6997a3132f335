use sea_orm::entity::prelude::*;

model! {
    /// An issued adjustment note (a "Credit note" from a seller not registered
    /// for GST): the change to one invoice's price and GST, stored as issued.
    /// Never changed, never deleted. Amounts are signed: a decrease is negative.
    #[sea_orm(table_name = "adjustment_note")]
    pub struct Model {
        /// `ADJ-000001`: gap-free, never reused.
        pub number: String,
        pub invoice_id: Uuid,
        pub invoice_number: String,
        pub customer_id: Option<Uuid>,
        /// "Adjustment note", or "Credit note" from a seller not registered for GST.
        pub title: String,
        pub reason: String,
        pub issued_at: DateTimeUtc,
        /// The business's local date of issue (its GST period).
        pub issued_on: Date,
        pub issued_by: String,
        pub seller_name: String,
        pub seller_abn: Option<String>,
        pub gst_registered: bool,
        pub buyer_name: String,
        pub buyer_abn: Option<String>,
        pub prices_include_gst: bool,
        pub ex_gst_cents: i64,
        pub gst_cents: i64,
        pub total_cents: i64,
        pub taxable_cents: i64,
        pub gst_free_cents: i64,
        pub export_cents: i64,
        pub input_taxed_cents: i64,
    }
}
