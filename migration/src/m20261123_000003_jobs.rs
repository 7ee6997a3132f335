//! Customer notifications, dead letters, and outbox processing marks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("notification")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(uuid("subject_id"))
                    .col(string("recipient"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(string("message_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        // One notification of a kind per subject: a duplicate event cannot
        // create a second email.
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_kind_subject")
                    .table("notification")
                    .col("kind")
                    .col("subject_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_status_next")
                    .table("notification")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("dead_job")
                    .col(pk_uuid("id"))
                    .col(string("job_kind"))
                    .col(uuid("reference_id"))
                    .col(text("last_error"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("died_at"))
                    .col(timestamp_with_time_zone_null("retried_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table("outbox")
                    .add_column(timestamp_with_time_zone_null("processed_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("outbox")
                    .drop_column("processed_at")
                    .to_owned(),
            )
            .await?;
        for table in ["dead_job", "notification"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
