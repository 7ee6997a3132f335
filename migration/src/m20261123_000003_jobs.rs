//! Customer notifications, dead letters, and outbox processing marks.

use crate::kit::{add_column, drop_column, drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(table(
            "notification",
            [
                pk_uuid("id"),
                string("kind"),
                uuid("subject_id"),
                string("recipient"),
                string("status"),
                integer("attempts"),
                text_null("last_error"),
                timestamp_with_time_zone("next_attempt_at"),
                timestamp_with_time_zone_null("lease_until"),
                string("message_id"),
                timestamp_with_time_zone("created_at"),
                timestamp_with_time_zone_null("sent_at"),
            ],
        ))
        .await?;
    // One notification of a kind per subject: a duplicate event cannot
    // create a second email.
    let kind_subject = &["kind", "subject_id"];
    index(
        manager,
        "ux_notification_kind_subject",
        "notification",
        kind_subject,
        true,
    )
    .await?;
    let due = &["status", "next_attempt_at"];
    index(
        manager,
        "ix_notification_status_next",
        "notification",
        due,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "dead_job",
            [
                pk_uuid("id"),
                string("job_kind"),
                uuid("reference_id"),
                text("last_error"),
                integer("attempts"),
                timestamp_with_time_zone("died_at"),
                timestamp_with_time_zone_null("retried_at"),
            ],
        ))
        .await?;

    let processed_at = timestamp_with_time_zone_null("processed_at");
    add_column(manager, "outbox", processed_at).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_column(manager, "outbox", "processed_at").await?;
    drop_tables(manager, &["dead_job", "notification"]).await
}
