//! Poison-job caps (the outbox keeps its last error), an index for the
//! requeue scan, and failed sign-ins for the login throttle.

use crate::kit::{add_column, drop_column, drop_index, drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let last_error = text_null("last_error");
    add_column(manager, "outbox", last_error).await?;
    // The requeue sweep looks for RELAYED rows by age.
    let requeue = &["status", "relayed_at"];
    index(
        manager,
        "ix_outbox_status_relayed",
        "outbox",
        requeue,
        false,
    )
    .await?;

    manager
        .create_table(table(
            "login_failure",
            [
                pk_uuid("id"),
                string("account_key"),
                string("client_key"),
                timestamp_with_time_zone("failed_at"),
            ],
        ))
        .await?;
    let by_account = &["account_key", "failed_at"];
    index(
        manager,
        "ix_login_failure_account",
        "login_failure",
        by_account,
        false,
    )
    .await?;
    let by_client = &["client_key", "failed_at"];
    index(
        manager,
        "ix_login_failure_client",
        "login_failure",
        by_client,
        false,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["login_failure"]).await?;
    drop_index(manager, "ix_outbox_status_relayed", "outbox").await?;
    drop_column(manager, "outbox", "last_error").await
}
