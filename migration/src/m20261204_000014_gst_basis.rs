//! The business's GST attribution basis (accrual by default, cash for
//! businesses that may account on it) and when each payment was received.

use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let basis = Table::alter()
        .table("business_settings")
        .add_column(string("gst_basis").default("ACCRUAL"))
        .to_owned();
    manager.alter_table(basis).await?;
    let paid_at = Table::alter()
        .table("payment")
        .add_column(timestamp_with_time_zone_null("paid_at"))
        .to_owned();
    manager.alter_table(paid_at).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let paid_at = Table::alter()
        .table("payment")
        .drop_column("paid_at")
        .to_owned();
    manager.alter_table(paid_at).await?;
    let basis = Table::alter()
        .table("business_settings")
        .drop_column("gst_basis")
        .to_owned();
    manager.alter_table(basis).await
}
