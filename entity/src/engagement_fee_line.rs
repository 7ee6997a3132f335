use sea_orm::entity::prelude::*;

model! {
    /// One fee line of an engagement (DESIGN "Engagement fees"): set at
    /// creation, added to only by approved scope changes; the final invoice
    /// bills them.
    #[sea_orm(table_name = "engagement_fee_line")]
    pub struct Model {
        pub engagement_id: Uuid,
        /// 1, 2, … within its engagement.
        pub line_no: i32,
        pub description: String,
        /// Ex-GST; negative for scope taken out.
        pub amount_cents: i64,
        /// `TAXABLE`, `GST_FREE` or `INPUT_TAXED` (see `rules::tax_code`).
        pub tax_code: String,
        /// The approved scope change that added it.
        pub scope_change_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }
}
