use crate::enums::{Role, Verdict};
use sea_orm::entity::prelude::*;

model! {
    /// One decision on an approval request; never changed or removed.
    #[sea_orm(table_name = "approval_decision")]
    pub struct Model {
        pub approval_id: Uuid,
        /// 1 for the first approval step; a rejection takes the step it ends.
        pub step: i32,
        /// A user id, or `system` for an automatic approval.
        pub decider_id: String,
        /// `None` for `system`.
        pub decider_role: Option<Role>,
        pub decision: Verdict,
        pub comment: Option<String>,
        /// What backs an offline decision (e.g. a signed document's reference).
        pub evidence: Option<String>,
        pub decided_at: DateTimeUtc,
    }
}
