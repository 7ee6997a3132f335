use sea_orm::entity::prelude::*;

model! {
    /// One step of a claim or a return as its customer follows it (lodged,
    /// assessed, remedy chosen, …); the subject of the email telling them.
    #[sea_orm(table_name = "remedy_step")]
    pub struct Model {
        /// "claim" or "return_request".
        pub subject_type: String,
        pub subject_id: Uuid,
        /// What happened, e.g. "claim.assessed".
        pub step: String,
        /// The claim's or return's status after it.
        pub status_after: String,
        pub note: Option<String>,
        pub actor: String,
        pub at: DateTimeUtc,
    }
}
