use sea_orm::entity::prelude::*;

model! {
    /// One message of a ticket's thread: a reply the customer sees, or an internal note.
    #[sea_orm(table_name = "ticket_message")]
    pub struct Model {
        pub ticket_id: Uuid,
        /// The login that wrote it.
        pub author: String,
        pub from_staff: bool,
        /// Staff only; not a response.
        pub internal: bool,
        pub body: String,
        pub created_at: DateTimeUtc,
    }
}
