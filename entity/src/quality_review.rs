use sea_orm::entity::prelude::*;

model! {
    /// A quality review of one version of a deliverable.
    #[sea_orm(table_name = "quality_review")]
    pub struct Model {
        pub deliverable_id: Uuid,
        pub version_number: i32,
        pub passed: bool,
        /// JSON: [{item, passed}] against the template's quality checklist.
        pub checklist: String,
        /// JSON: {name: value}, e.g. defects found, test pass rate.
        pub metrics: String,
        pub findings: Option<String>,
        pub reviewed_by: String,
        pub reviewed_at: DateTimeUtc,
    }
}
