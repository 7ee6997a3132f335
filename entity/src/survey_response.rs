use sea_orm::entity::prelude::*;

model! {
    /// A customer's answer to an order's satisfaction survey (one per order).
    #[sea_orm(table_name = "survey_response")]
    pub struct Model {
        #[sea_orm(unique)]
        pub order_id: Uuid,
        /// 1 (poor) to 5 (excellent).
        pub rating: i32,
        pub comment: Option<String>,
        pub answered_at: DateTimeUtc,
    }
}
