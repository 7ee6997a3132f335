use crate::enums::{TicketPriority, TicketStatus};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A support ticket.
    #[sea_orm(table_name = "ticket")]
    pub struct Model {
        #[sea_orm(unique)]
        pub number: String,
        pub customer_id: Uuid,
        pub subject: String,
        pub description: String,
        pub priority: TicketPriority,
        pub category: String,
        pub order_id: Option<Uuid>,
        pub engagement_id: Option<Uuid>,
        pub assignee_user_id: Option<Uuid>,
        pub status: TicketStatus,
        /// The policy it was given.
        pub sla_policy_id: Uuid,
        /// JSON: that policy's terms as given (later edits do not change them).
        pub sla_terms: String,
        pub first_response_at: Option<DateTimeUtc>,
        pub resolved_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
        pub created_by: String,
    }
}
