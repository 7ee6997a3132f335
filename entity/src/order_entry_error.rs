use crate::enums::Channel;
use sea_orm::entity::prelude::*;

model! {
    /// One refused field of a refused order placement (the order-entry-error KPI).
    #[sea_orm(table_name = "order_entry_error")]
    pub struct Model {
        pub field: String,
        pub code: String,
        pub channel: Channel,
        pub occurred_at: DateTimeUtc,
    }
}
