//! The business's GST attribution basis (accrual by default, cash for
//! businesses that may account on it) and when each payment was received.

use crate::kit::{add_column, drop_column};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_column(
        manager,
        "business_settings",
        string("gst_basis").default("ACCRUAL"),
    )
    .await?;
    add_column(manager, "payment", timestamp_with_time_zone_null("paid_at")).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_column(manager, "payment", "paid_at").await?;
    drop_column(manager, "business_settings", "gst_basis").await
}
