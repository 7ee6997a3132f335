use crate::enums::{ConsentPurpose, ConsentStatus};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A customer's consent to commercial email for one purpose (Spam Act):
    /// when, how and by whom it was given, and when it was withdrawn.
    #[sea_orm(table_name = "consent")]
    pub struct Model {
        pub customer_id: Uuid,
        pub purpose: ConsentPurpose,
        pub status: ConsentStatus,
        pub given_at: DateTimeUtc,
        pub given_how: String,
        pub given_by: String,
        pub withdrawn_at: Option<DateTimeUtc>,
        pub withdrawn_how: Option<String>,
    }
}
