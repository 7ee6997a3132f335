use crate::enums::TemplateStatus;
use sea_orm::entity::prelude::*;

model! {
    /// One version of a process template (its definition is JSON).
    #[sea_orm(table_name = "process_template")]
    pub struct Model {
        pub key: String,
        pub version: i32,
        pub name: String,
        pub status: TemplateStatus,
        pub definition: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub published_at: Option<DateTimeUtc>,
    }
}
