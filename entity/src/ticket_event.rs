use crate::enums::{TicketEventKind, TicketPriority, TicketStatus};
use sea_orm::entity::prelude::*;

model! {
    /// One step of a ticket's history, from which its SLA clocks are derived.
    #[sea_orm(table_name = "ticket_event")]
    pub struct Model {
        pub ticket_id: Uuid,
        pub kind: TicketEventKind,
        /// The status from this moment on.
        pub status: TicketStatus,
        /// The priority from this moment on.
        pub priority: TicketPriority,
        pub actor: String,
        pub at: DateTimeUtc,
    }
}
