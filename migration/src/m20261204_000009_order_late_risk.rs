//! Orders carry their late risk (ON_TRACK, AT_RISK, LATE) against the
//! required delivery date, kept current by timers so lists can filter by it.

use crate::kit::{add_column, drop_column, drop_index, index};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_column(
        manager,
        "sales_order",
        string("late_risk").default("ON_TRACK"),
    )
    .await?;
    let by_risk = &["late_risk", "id"];
    index(
        manager,
        "ix_sales_order_late_risk",
        "sales_order",
        by_risk,
        false,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_index(manager, "ix_sales_order_late_risk", "sales_order").await?;
    drop_column(manager, "sales_order", "late_risk").await
}
