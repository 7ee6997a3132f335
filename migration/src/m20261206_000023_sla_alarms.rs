//! SLA alarms sent: each warning and breach of a ticket's target is told
//! once per cycle of that target (the first response once; the next update
//! once per staff reply; the resolution once per time the ticket is open),
//! however many workers fire the timer and however often it is re-planned.

use crate::kit::{drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(table(
            "ticket_sla_alarm",
            [
                pk_uuid("id"),
                uuid("ticket_id"),
                // FIRST_RESPONSE, NEXT_UPDATE or RESOLUTION.
                string("target"),
                // WARNING or BREACH.
                string("alarm"),
                // Which run of the target (see the module comment).
                integer("cycle"),
                // The target's due time when it was told.
                timestamp_with_time_zone("due_at"),
                // SLA time left (or, negative, how late) then, in seconds.
                big_integer("remaining_seconds"),
                // Who was told: email addresses, a JSON array.
                text("recipients"),
                timestamp_with_time_zone("sent_at"),
            ],
        ))
        .await?;
    index(
        manager,
        "ux_ticket_sla_alarm",
        "ticket_sla_alarm",
        &["ticket_id", "target", "alarm", "cycle"],
        true,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["ticket_sla_alarm"]).await
}
