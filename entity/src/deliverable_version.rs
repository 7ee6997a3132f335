use sea_orm::entity::prelude::*;

model! {
    /// One version of a deliverable (each revision a new one).
    #[sea_orm(table_name = "deliverable_version")]
    pub struct Model {
        pub deliverable_id: Uuid,
        pub number: i32,
        /// A link or document reference.
        pub reference: String,
        pub note: Option<String>,
        pub submitted_by: String,
        pub submitted_at: DateTimeUtc,
    }
}
