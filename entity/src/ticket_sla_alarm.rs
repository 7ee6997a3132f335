use crate::enums::{SlaAlarmKind, SlaTargetKind};
use sea_orm::entity::prelude::*;

model! {
    /// One SLA warning or breach told about a ticket: at most one per target,
    /// alarm and cycle of the target (a unique index), so a re-planned or
    /// twice-fired timer tells nobody twice.
    #[sea_orm(table_name = "ticket_sla_alarm")]
    pub struct Model {
        pub ticket_id: Uuid,
        pub target: SlaTargetKind,
        pub alarm: SlaAlarmKind,
        /// Which run of the target: 0 for the first response; for the next
        /// update, how many staff replies came before it started; for the
        /// resolution, how many times the ticket was resolved before.
        pub cycle: i32,
        /// The target's due time when it was told.
        pub due_at: DateTimeUtc,
        /// SLA time left (positive, a warning) or how late (negative, a
        /// breach), in seconds of the policy's clock, when it was told.
        pub remaining_seconds: i64,
        /// Who was told: email addresses, as a JSON array (the assignee for a
        /// warning, the policy's escalation role at breach).
        pub recipients: String,
        pub sent_at: DateTimeUtc,
    }
}
