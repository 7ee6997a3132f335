use crate::enums::{Role, Verdict};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One decision on an approval request; never changed or removed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "approval_decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
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

no_relations!();
