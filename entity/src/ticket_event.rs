use crate::enums::{TicketEventKind, TicketPriority, TicketStatus};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One step of a ticket's history, from which its SLA clocks are derived.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "ticket_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub kind: TicketEventKind,
    /// The status from this moment on.
    pub status: TicketStatus,
    /// The priority from this moment on.
    pub priority: TicketPriority,
    pub actor: String,
    pub at: DateTimeUtc,
}

no_relations!();
