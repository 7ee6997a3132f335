use crate::enums::{Role, SlaCalendar, TicketPriority};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// An SLA policy: its conditions, targets, calendar, pauses, warning lead time and escalation.
    #[sea_orm(table_name = "sla_policy")]
    pub struct Model {
        pub name: String,
        /// Conditions: every one given must hold.
        pub priority: Option<TicketPriority>,
        pub category: Option<String>,
        pub customer_id: Option<Uuid>,
        /// Chosen when no conditional policy matches.
        pub is_default: bool,
        /// Lower ranks are tried first.
        pub rank: i32,
        pub first_response_minutes: i32,
        pub next_update_minutes: i32,
        pub resolution_minutes: i32,
        pub calendar: SlaCalendar,
        /// JSON array of the ticket statuses that pause the clock.
        pub pause_statuses: String,
        /// How long before a breach the assignee is warned.
        pub warning_minutes: i32,
        /// The role told at breach.
        pub escalate_role: Role,
        pub active: bool,
    }
}
