//! Poison-job caps (the outbox keeps its last error), an index for the
//! requeue scan, and failed sign-ins for the login throttle.

use crate::kit::{drop_tables, index, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let last_error = text_null("last_error");
    let add = Table::alter()
        .table("outbox")
        .add_column(last_error)
        .to_owned();
    manager.alter_table(add).await?;
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
    let drop_index = Index::drop()
        .name("ix_outbox_status_relayed")
        .table("outbox")
        .to_owned();
    manager.drop_index(drop_index).await?;
    let drop = Table::alter()
        .table("outbox")
        .drop_column("last_error")
        .to_owned();
    manager.alter_table(drop).await
}
