use crate::enums::InvoiceLineKind;
use sea_orm::entity::prelude::*;

model! {
    /// One line of an issued invoice or adjustment note (`invoice_id` is the
    /// document's id), with the GST engine's figures as issued.
    #[sea_orm(table_name = "tax_invoice_line")]
    pub struct Model {
        pub invoice_id: Uuid,
        pub line_no: i32,
        pub kind: InvoiceLineKind,
        pub sku: Option<String>,
        pub description: String,
        /// Exact decimal, e.g. "2" or "1.5".
        pub quantity: String,
        pub unit_price_cents: i64,
        /// The code the line was charged under (an export's goods: GST_FREE).
        pub tax_code: String,
        pub export: bool,
        pub gross_cents: i64,
        pub discount_cents: i64,
        pub order_discount_cents: i64,
        pub net_cents: i64,
        pub gst_cents: i64,
        pub ex_gst_cents: i64,
        pub total_cents: i64,
    }
}
