use crate::enums::OutboxStatus;
use sea_orm::entity::prelude::*;

/// Work a committed change causes, written in the same transaction and relayed
/// to the job queue afterwards.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// e.g. `customer.created`.
    pub topic: String,
    pub subject_id: Uuid,
    /// JSON text.
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    /// Who holds the claim and until when; an expired lease may be claimed again.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub relayed_at: Option<DateTimeUtc>,
    /// Set by the job that did the work; a relayed row without it for too long
    /// is relayed again.
    pub processed_at: Option<DateTimeUtc>,
    /// Why its job failed the last time (kept on the dead letter too).
    pub last_error: Option<String>,
}

no_relations!();
