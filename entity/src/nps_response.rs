use sea_orm::entity::prelude::*;

model! {
    /// The customer's Net Promoter answer at an engagement's close (one per engagement).
    #[sea_orm(table_name = "nps_response")]
    pub struct Model {
        #[sea_orm(unique)]
        pub engagement_id: Uuid,
        /// 0 (not at all likely to recommend) to 10 (extremely likely).
        pub score: i32,
        pub comment: Option<String>,
        pub answered_at: DateTimeUtc,
    }
}
