use crate::enums::{NotificationKind, NotificationStatus};
use sea_orm::entity::prelude::*;

/// One email to a customer. Its id gives the Message-ID, so a resend after a
/// crash carries the same Message-ID.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: NotificationKind,
    /// The record it is about (e.g. the customer).
    pub subject_id: Uuid,
    pub recipient: String,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Not before this (wall clock): backoff after a transient failure.
    pub next_attempt_at: DateTimeUtc,
    /// While SENDING: the sender's claim; an expired claim may be taken over.
    pub lease_until: Option<DateTimeUtc>,
    pub message_id: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

no_relations!();
