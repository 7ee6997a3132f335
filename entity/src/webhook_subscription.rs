use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An integrator's subscription to outbound webhooks: where to send, which
/// event types, and the secret deliveries are signed with.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_subscription")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    /// JSON array of the wire names wanted (`["order.placed"]`).
    pub event_types: String,
    /// `whsec_<base64>`; never in audit snapshots or answers after the first.
    #[serde(skip_serializing, default)]
    pub secret: String,
    pub active: bool,
    pub description: Option<String>,
    /// FAILED or DEAD deliveries in a row; a success resets it.
    pub consecutive_failures: i32,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
